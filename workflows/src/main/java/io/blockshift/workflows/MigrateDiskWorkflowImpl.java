package io.blockshift.workflows;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;

/**
 * The procedure: six steps, each compensation added just before its step. Until the guest is
 * pivoted onto B' a failure or cancel rolls back (the guest ends on A alone, nothing new left on
 * disk); from then on the migration rolls forward, even through a cancel.
 */
public class MigrateDiskWorkflowImpl implements MigrateDiskWorkflow {

    private static final Logger log = Workflow.getLogger(MigrateDiskWorkflowImpl.class);

    /**
     * Preflight: always an ordinary activity. As a local one it would share the first workflow task
     * with the snapshot, and if that task were lost after the snapshot ran (a worker killed, or the
     * server rejecting the task while a search attribute is missing) the task would run again from
     * the start, and preflight would refuse the disk this migration had just snapshotted.
     */
    private MigrationActivities preflightSteps;
    /** Snapshot and overlay: ordinary activities, or the same retries as local ones. */
    private MigrationActivities quickSteps;
    private MigrationActivities longSteps;
    private MigrationActivities persistentSteps;
    /** The active layer and clean-up: {@link #persistentSteps}, or the same retries as local activities. */
    private MigrationActivities persistentShortSteps;
    /** Whether {@link #quickSteps} and {@link #persistentShortSteps} are local activities. */
    private boolean localSteps;
    private MigrationVisibility visibility;

    private final LinkedHashMap<String, Long> stepMillis = new LinkedHashMap<>();
    private final List<String> stepsDone = new ArrayList<>();
    private DiskPhase phase = DiskPhase.STARTING;
    private MigrationPlan plan;
    private CloneReport clone;
    private CleanupReport cleanedUp;
    private MigrateDiskResult result;
    /** What the block jobs needed to converge, by step: kept from their reports for the result. */
    private final LinkedHashMap<String, ConvergenceReport> convergence = new LinkedHashMap<>();
    /** Why the migration ends, once it does: see {@link #recordEnd}. */
    private ApplicationFailure end;

    private MigrateDiskResult migrateOnce(MigrateDiskRequest request) {
        refuseMalformed(request);
        plan = preflight(request);
        visibility.resolved(plan);
        if (plan.inactive() && MigrateDiskVersions.coldMoves()) {
            return moveShutOff();
        }

        Compensations undo = new Compensations();
        try {
            // 1. Claim B, then A <- A': the guest writes to A' from now on. The claim (B's name,
            //    held by this workflow's ID) is taken inside the snapshot activity, before anything
            //    changes, so a second migration to B stops there; the revert and the cleanup give it up.
            undo.add(persistentSteps::revertSnapshot, plan);
            step(DiskPhase.SNAPSHOT, () -> shortStep(() -> quickSteps.snapshot(plan)));
            // 2. A to B: A no longer changes, so this takes as long as it takes.
            undo.add(persistentSteps::deleteBase, plan);
            clone = step(DiskPhase.CLONE, () -> longSteps.cloneBase(plan));
            visibility.cloner(clone.cloner());
            // 3. An empty B' over B.
            undo.add(persistentSteps::deleteOverlay, plan);
            step(DiskPhase.OVERLAY, () -> shortStep(() -> quickSteps.createOverlay(plan)));
            // 4. What the guest wrote to A' is mirrored into B', then the guest pivots onto B'.
            undo.add(persistentSteps::abortMirror, plan);
            needed(DiskPhase.MIRROR, step(DiskPhase.MIRROR, () -> longSteps.mirrorToOverlay(plan)));
        } catch (ActivityFailure | CanceledFailure failure) {
            if (!pivotedOntoOverlay(failure)) {
                throw rollBack(undo, failure);
            }
            log.warn("{} failed after the guest moved onto {}; rolling forward", phase, plan.overlay());
        }

        // Past the point of no return: a cancel no longer stops the migration.
        Workflow.newDetachedCancellationScope(() -> {
            // 5. B' is committed into B, then the guest pivots onto B alone.
            commitOverlay();
            // 6. A (unless kept), A', B', stale snapshot metadata and the claim on B go.
            cleanup();
        }).run();
        return finish();
    }

    /**
     * A shut-off domain has no block jobs: B is a copy of A, then the domain is defined again on B.
     * Until that define a failure or cancel rolls back (B and the claim go; the domain is untouched).
     */
    private MigrateDiskResult moveShutOff() {
        Compensations undo = new Compensations();
        try {
            // 1. Claim B, and hold A as QEMU does, so that the VM cannot start on A while it is copied.
            //    Hold and define are ordinary activities on the host's queue: the hold lives in that worker.
            undo.add(persistentSteps::releaseSource, plan);
            step(DiskPhase.CLAIM, () -> preflightSteps.holdSource(plan));
            // 2. A to B: nothing writes to A while it is held.
            undo.add(persistentSteps::deleteBase, plan);
            clone = step(DiskPhase.CLONE, () -> longSteps.cloneBase(plan));
            visibility.cloner(clone.cloner());
            // 3. The persistent definition names B (the point of no return), then A is let go.
            step(DiskPhase.DEFINE, () -> preflightSteps.defineOnTarget(plan));
        } catch (ActivityFailure | CanceledFailure failure) {
            if (!pivotedOntoOverlay(failure)) {
                throw rollBack(undo, failure);
            }
            log.warn("{} failed after {} was defined on {}; rolling forward", phase, plan.domainName(), plan.target());
        }
        // 4. A (unless kept) and the claim on B go.
        Workflow.newDetachedCancellationScope(this::cleanup).run();
        return finish();
    }

    private MigrateDiskResult finish() {
        result = result();
        enterPhase(DiskPhase.DONE);
        if (result.cancelIgnored()) {
            log.warn("a cancel came after the guest moved onto {}: the migration finished; the guest runs on {}",
                    plan.inactive() ? plan.target() : plan.overlay(), plan.target());
            MigrationVisibility.cancelIgnored(plan);
        }
        return result;
    }

    @Override
    public MigrateDiskResult migrate(MigrateDiskRequest request) {
        MigrateDiskVersions versions = MigrateDiskVersions.atStart();
        visibility = new MigrationVisibility(versions.searchAttributes());
        String host = versions.hostsAndFleets() && request != null && Hosts.isNamed(request.host) ? request.host : null;
        longSteps = StepOptions.steps(StepOptions.LONG, host);
        persistentSteps = StepOptions.steps(StepOptions.PERSISTENT, host);
        localSteps = versions.localSteps() && StepOptions.canRunLocally(host);
        preflightSteps = StepOptions.steps(StepOptions.QUICK, host);
        quickSteps = localSteps ? StepOptions.localSteps(StepOptions.LOCAL_QUICK) : preflightSteps;
        persistentShortSteps = localSteps ? StepOptions.localSteps(StepOptions.LOCAL_PERSISTENT) : persistentSteps;
        if (!versions.hostsAndFleets()) {
            return migrateOnce(request);
        }
        visibility.requested(request != null ? request : new MigrateDiskRequest(), host, phase);
        MigrateDiskResult done;
        try {
            done = migrateOnce(request);
        } catch (TemporalFailure ended) {
            // Not a finally: that would also run when the SDK destroys this workflow's thread.
            boolean canceled = ended instanceof CanceledFailure || CancellationScope.current().isCancelRequested();
            visibility.outcome(MigrationVisibility.outcomeOf(end, canceled));
            FleetReports.reportToParent(FleetReports.failedOutcome(phase),
                    end != null ? end.getOriginalMessage() : MigrationFailures.messageOf(ended));
            throw ended;
        }
        visibility.outcome(Outcome.DONE);
        FleetReports.reportToParent(Outcome.DONE, null);
        return done;
    }

    @Override
    public MigrationStatus status() {
        return new MigrationStatus(phase.wire(), List.copyOf(stepsDone), plan, result,
                end == null ? null : end.getOriginalMessage(), end == null ? null : end.getType());
    }

    private void refuseMalformed(MigrateDiskRequest request) {
        List<String> problems = request == null ? List.of(MigrationFailures.NO_INPUT) : request.problems();
        if (!problems.isEmpty()) {
            throw recordEnd(DiskPhase.REFUSED, MigrationFailures.malformed(problems));
        }
    }

    private MigrationPlan preflight(MigrateDiskRequest request) {
        try {
            return step(DiskPhase.PREFLIGHT, () -> preflightSteps.preflight(request));
        } catch (ActivityFailure failure) {
            if (failure.getCause() instanceof CanceledFailure) {
                // Canceled before or while the checks ran: nothing was changed, and nothing refused.
                enterPhase(DiskPhase.CANCELED);
                throw failure;
            }
            throw recordEnd(DiskPhase.REFUSED, MigrationFailures.refusedByPreflight(failure));
        }
    }

    private void commitOverlay() {
        try {
            needed(DiskPhase.COMMIT, step(DiskPhase.COMMIT, () -> persistentSteps.commitOverlay(plan)));
        } catch (ActivityFailure failure) {
            throw recordEnd(DiskPhase.FAILED, MigrationFailures.commitIncomplete(plan, failure));
        }
    }

    private void cleanup() {
        try {
            cleanedUp = step(DiskPhase.CLEANUP, () -> persistentShortSteps.cleanup(plan));
        } catch (ActivityFailure failure) {
            if (!MigrateDiskVersions.cleanupIncomplete()) {
                throw failure;
            }
            throw recordEnd(DiskPhase.FAILED, MigrationFailures.cleanupIncomplete(plan, failure));
        }
    }

    /** Whether the guest already runs on B' (or B; a shut-off one is defined on B): then only rolling forward is safe. */
    private boolean pivotedOntoOverlay(TemporalFailure cause) {
        Layer layer;
        try {
            layer = detached(() -> persistentShortSteps.activeLayer(plan));
        } catch (ActivityFailure unknown) {
            throw recordEnd(DiskPhase.FAILED, MigrationFailures.undecided(plan, phase, cause, unknown));
        }
        return layer == Layer.OVERLAY || layer == Layer.TARGET;
    }

    private TemporalFailure rollBack(Compensations undo, TemporalFailure failure) {
        DiskPhase failedStep = phase;
        enterPhase(DiskPhase.ROLLING_BACK);
        try {
            Workflow.newDetachedCancellationScope(undo::compensate).run();
        } catch (RuntimeException compensationFailure) {
            return recordEnd(DiskPhase.FAILED,
                    MigrationFailures.rollbackIncomplete(plan, failedStep, failure, compensationFailure));
        }
        stepsDone.add(DiskPhase.ROLLBACK_STEP);
        if (failure instanceof CanceledFailure || failure.getCause() instanceof CanceledFailure) {
            enterPhase(DiskPhase.CANCELED);
            log.info("canceled during {}; rolled back: the guest runs on {} alone", failedStep, plan.source());
            return failure;
        }
        return recordEnd(DiskPhase.FAILED, MigrationFailures.rolledBack(plan, failedStep, failure));
    }

    /**
     * Records why the migration ends, for the status query, and returns it to be thrown: after a
     * cancel the SDK closes the workflow as CANCELED whatever it throws, and this message would
     * otherwise be lost.
     */
    private ApplicationFailure recordEnd(DiskPhase endPhase, ApplicationFailure why) {
        enterPhase(endPhase);
        end = why;
        return why;
    }

    /** Moves to {@code next}: what the status query and {@link SearchAttributes#PHASE} report. */
    private void enterPhase(DiskPhase next) {
        phase = next;
        visibility.phase(next);
    }

    private MigrateDiskResult result() {
        boolean verified = clone != null && clone.sourceChecksum() != null
                && clone.sourceChecksum().equals(clone.targetChecksum());
        return new MigrateDiskResult(
                plan.domainName(), plan.diskTarget(), plan.source(), plan.target(),
                plan.cloner(), plan.clonerReason(),
                clone == null ? 0 : clone.bytesCopied(),
                verified ? clone.checksumAlgorithm() : null,
                verified ? clone.sourceChecksum() : null,
                plan.keepSource() || (cleanedUp != null && cleanedUp.kept() != null && cleanedUp.kept().contains(plan.source())),
                stepMillis,
                CancellationScope.current().isCancelRequested(),
                cleanedUp == null ? List.of() : cleanedUp.unneededBacking(), convergence);
    }

    /** Keeps what a block job needed to converge, if anything (a report of an older build has nothing). */
    private void needed(DiskPhase step, BlockJobReport report) {
        if (report != null && report.convergence() != null) {
            convergence.put(step.wire(), report.convergence());
        }
    }

    /** Runs one step, recording its phase, duration and completion. */
    private <T> T step(DiskPhase name, Functions.Func<T> body) {
        enterPhase(name);
        long start = Workflow.currentTimeMillis();
        T answer = body.apply();
        stepMillis.put(name.wire(), Workflow.currentTimeMillis() - start);
        stepsDone.add(name.wire());
        return answer;
    }

    private void step(DiskPhase name, Functions.Proc body) {
        step(name, () -> {
            body.apply();
            return null;
        });
    }

    /**
     * Runs a short step. A local one runs to its end even if a cancel comes meanwhile, as an ordinary
     * one does (it does not heartbeat, so it never hears a cancel, and the stub waits for it): the
     * SDK would otherwise resolve it as canceled at once while it still runs on the worker, and the
     * rollback would race it. The cancel then stops the next step. A step not started yet is not
     * started in a canceled scope, as an ordinary one is not.
     */
    private <T> T shortStep(Functions.Func<T> body) {
        if (!localSteps) {
            return body.apply();
        }
        if (CancellationScope.current().isCancelRequested()) {
            throw new CanceledFailure("execute called from a canceled scope");
        }
        return detached(body);
    }

    private void shortStep(Functions.Proc body) {
        shortStep(() -> {
            body.apply();
            return null;
        });
    }

    private static <T> T detached(Functions.Func<T> body) {
        List<T> holder = new ArrayList<>(1);
        Workflow.newDetachedCancellationScope(() -> holder.add(body.apply())).run();
        return holder.get(0);
    }
}
