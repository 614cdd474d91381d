package io.blockshift.workflows;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * A sliding window of child {@code MigrateDisk} workflows, one per disk.
 *
 * <ul>
 *   <li>Limits: {@link FleetWindow} says which ready disks start, by {@code maxConcurrent},
 *       {@code maxPerHost}, {@code maxPerTarget} and one disk of a domain at a time.
 *   <li>Deduplication: each child's workflow ID is built from host, domain UUID and disk
 *       ({@link FleetDisks#childWorkflowId}), with
 *       ALLOW_DUPLICATE reuse (a finished migration may be followed by another) and the default
 *       conflict policy (fail): a disk already being migrated by another workflow is refused, naming it.
 *   <li>Bounded history: after {@code childrenPerRun} starts (or when Temporal suggests it) the run
 *       continues as new, carrying what is left, the counters and the running children. Children
 *       are started with ABANDON so they outlive the run, and each reports its end by the
 *       {@link MigrateFleetWorkflow#DISK_FINISHED} signal to the fleet's workflow ID. A child
 *       closed from outside (terminated, timed out) never runs the code that signals, so while
 *       children of earlier runs run, the fleet asks the server about them
 *       ({@link EarlierChildrenChecks}).
 *   <li>Pause and resume are updates; cancel is Temporal's own: the running children are canceled
 *       (each rolls back as {@code MigrateDisk} defines) and the fleet waits for them, then closes CANCELED.
 * </ul>
 *
 * <p>Disks are resolved (domain UUID, disk target dev, source size) by an activity on their host
 * ({@link FleetLookups#resolve}),
 * twice: once for all of them at the start, for the totals and to refuse unknown disks and
 * duplicates early; then a small batch at a time just before they start, so a run's state and the
 * input it hands the next run stay small.
 */
public class MigrateFleetWorkflowImpl implements MigrateFleetWorkflow {

    private static final Logger log = Workflow.getLogger(MigrateFleetWorkflowImpl.class);

    /** Disks the first pass resolves at a time, in parallel activities, one or more per host. */
    static final int FIRST_PASS_CHUNK = 2000;
    /** Resolved disks waiting for a place in the window; resolved this many at a time. */
    static final int LOOKAHEAD = 400;
    /** Failure lines kept for the query and the result. */
    static final int FAILURES_KEPT = 100;

    /** What the fleet carries from run to run; null until the run has it. */
    private FleetState state;
    /** What this run keeps besides. */
    private final FleetRun run = new FleetRun();
    private final EarlierChildrenChecks checks = new EarlierChildrenChecks(run, () -> state, this::finished);

    @Override
    public FleetResult migrate(MigrateFleetRequest request, FleetState carried) {
        if (carried != null) {
            state = carried;
            state.unpack();
        } else {
            refuseMalformed(request);
            state = new FleetState();
            state.limits = request;
            state.startedMillis = Workflow.currentTimeMillis();
        }
        state.paused |= run.pausedEarly;
        run.skip = new HashSet<>(state.skip);
        run.early.forEach(this::finished);
        run.early.clear();
        try {
            if (carried == null) {
                List<MigrateDiskRequest> migrations = request.migrations != null ? request.migrations : expand(request.select);
                request.migrations = null;
                request.select = null;
                firstPass(migrations);
            }
            return slide();
        } catch (TemporalFailure failure) {
            if (!CancellationScope.current().isCancelRequested()) {
                throw failure;
            }
            run.phase = FleetPhase.CANCELING;
            log.info("the fleet was canceled: canceling {} running migration(s)", state.running.size());
            Workflow.newDetachedCancellationScope(() -> {
                cancelRunning();
                while (!state.running.isEmpty()) {
                    awaitChange();
                }
            }).run();
            run.phase = FleetPhase.CANCELED;
            throw failure;
        }
    }

    // ------------------------------------------------------------------ set-up

    private void refuseMalformed(MigrateFleetRequest request) {
        List<String> problems = request == null ? List.of(MigrationFailures.NO_FLEET_INPUT) : request.problems();
        if (!problems.isEmpty()) {
            run.phase = FleetPhase.REFUSED;
            throw MigrationFailures.malformed(problems);
        }
    }

    private List<MigrateDiskRequest> expand(FleetSelector selector) {
        run.phase = FleetPhase.EXPANDING;
        List<MigrateDiskRequest> disks;
        try {
            disks = FleetLookups.on(selector.host).expand(selector);
        } catch (ActivityFailure e) {
            // The lookup refuses what no disk could get past (a targetDir outside the storage roots): say only that.
            boolean refusedByLookup = e.getCause() instanceof ApplicationFailure app && FailureType.REFUSED.is(app.getType());
            throw refused((refusedByLookup ? "" : "the selector could not be expanded: ") + MigrationFailures.messageOf(e), e);
        }
        if (disks.isEmpty()) {
            throw refused("the selector matches no disk: no running domain named like '" + selector.domains + "' on "
                    + selector.connectUri + " has a file-backed disk under " + selector.sourceUnder,
                    null);
        }
        log.info("the selector expands to {} disk(s)", disks.size());
        return disks;
    }

    /** Resolves every disk once: totals, early refusals of unknown disks, of a disk listed twice and of a target given twice. */
    private void firstPass(List<MigrateDiskRequest> migrations) {
        run.phase = FleetPhase.RESOLVING;
        state.total = migrations.size();
        state.pending = new ArrayList<>(migrations);
        state.nextIndex = 0;
        Set<String> seen = new HashSet<>();
        Map<String, Integer> targets = new HashMap<>();
        for (int from = 0; from < migrations.size(); from += FIRST_PASS_CHUNK) {
            List<MigrateDiskRequest> chunk = migrations.subList(from, Math.min(migrations.size(), from + FIRST_PASS_CHUNK));
            List<ResolvedDisk> resolved = FleetLookups.resolve(chunk);
            for (int i = 0; i < chunk.size(); i++) {
                int index = from + i;
                ResolvedDisk r = resolved.get(i);
                if (r.refused() != null) {
                    refuseInFirstPass(index, chunk.get(i), r.refused());
                    continue;
                }
                FleetDisk disk = FleetDisks.of(index, chunk.get(i), r);
                if (!seen.add(disk.workflowId())) {
                    refuseInFirstPass(index, chunk.get(i), "the same disk is listed twice in this fleet (" + disk.workflowId() + ")");
                    continue;
                }
                Integer first = targets.putIfAbsent(FleetDisks.targetKey(disk), index);
                if (first != null && MigrateFleetVersions.refusesSharedTargets()) {
                    refuseInFirstPass(index, chunk.get(i), "disk #" + first + " of this fleet has the same target "
                            + chunk.get(i).target + "; give each disk a target of its own");
                    continue;
                }
                state.bytesTotal += r.sourceSize();
            }
        }
        run.skip = new HashSet<>(state.skip);
    }

    private void refuseInFirstPass(int index, MigrateDiskRequest request, String why) {
        fail(index, request, "refused: " + why);
        state.skip.add(index);
    }

    // ------------------------------------------------------------------ the window

    private FleetResult slide() {
        while (true) {
            fillReady();
            if (state.stopping) {
                cancelRunning();
            } else if (!state.paused) {
                startWhatFits();
            }
            run.phase = state.stopping ? FleetPhase.STOPPING : state.paused ? FleetPhase.PAUSED : FleetPhase.RUNNING;
            if (state.running.isEmpty() && (state.stopping || (state.ready.isEmpty() && state.pending.isEmpty()))) {
                return end();
            }
            if (run.starts >= state.limits.childrenPerRun
                    || ((run.starts > 0 || run.checks > 0) && Workflow.getInfo().isContinueAsNewSuggested())) {
                continueAsNew();
            }
            awaitChange();
        }
    }

    /** Waits until something the loop waits for changes, checking on children of earlier runs meanwhile. */
    private void awaitChange() {
        int seen = run.changes;
        checks.scheduleUnlessWaiting();
        Workflow.await(() -> run.changes != seen);
    }

    /** Resolves the next few disks, on their host, until the lookahead is full. */
    private void fillReady() {
        while (state.ready.size() < LOOKAHEAD && !state.pending.isEmpty() && !state.stopping) {
            List<MigrateDiskRequest> batch = state.pending.subList(0, Math.min(LOOKAHEAD, state.pending.size()));
            List<ResolvedDisk> resolved = FleetLookups.resolve(batch);
            for (int i = 0; i < batch.size(); i++) {
                int index = state.nextIndex + i;
                if (run.skip.contains(index)) {
                    continue;
                }
                ResolvedDisk r = resolved.get(i);
                if (r.refused() != null) {
                    fail(index, batch.get(i), "refused: " + r.refused());
                } else {
                    state.ready.add(FleetDisks.of(index, batch.get(i), r));
                }
            }
            state.pending = new ArrayList<>(state.pending.subList(batch.size(), state.pending.size()));
            state.nextIndex += batch.size();
        }
    }

    private void startWhatFits() {
        for (FleetDisk disk : FleetWindow.admit(state.limits, state.running.values(), state.ready,
                state.limits.childrenPerRun - run.starts)) {
            state.ready.remove(disk);
            start(disk);
        }
    }

    private void start(FleetDisk disk) {
        state.running.put(disk.workflowId(), disk);
        run.starts++;
        ChildWorkflowOptions.Builder options = ChildWorkflowOptions.newBuilder()
                .setWorkflowId(disk.workflowId())
                // A disk may be migrated again once its last migration ended; never twice at once.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                // Children outlive the run that started them (continue-as-new); cancel is explicit.
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON);
        if (Hosts.isNamed(disk.request().host) && MigrateFleetVersions.childrenOnHostQueues()) {
            // On the queue its steps go to, the child runs its short steps in its own workflow tasks.
            options.setTaskQueue(MigrateDiskWorkflow.hostTaskQueue(disk.request().host));
        }
        MigrateDiskWorkflow child = Workflow.newChildWorkflowStub(MigrateDiskWorkflow.class, options.build());
        // Detached: the fleet's cancel reaches children only by the explicit cancel in cancelRunning().
        Workflow.newDetachedCancellationScope(() -> {
            Promise<MigrateDiskResult> result = Async.function(child::migrate, disk.request());
            run.started.put(disk.workflowId(), Workflow.getWorkflowExecution(child));
            result.handle((done, failure) -> {
                finished(ChildOutcomes.of(disk, failure));
                return null;
            });
        }).run();
    }

    /** Counts a child's end, reported by its result (children of this run) or its signal (any run). */
    private void finished(DiskOutcome outcome) {
        if (state == null) {
            run.early.add(outcome);
            return;
        }
        FleetDisk disk = state.running.remove(outcome.workflowId());
        if (disk == null) {
            return; // already counted: both the result and the signal report a child of this run
        }
        run.changes++;
        state.cancelRequested.remove(outcome.workflowId());
        Outcome ended = Outcome.of(outcome.outcome());
        if (ended == Outcome.DONE) {
            state.done++;
            state.bytesDone += disk.size();
        } else if (ended == Outcome.CANCELED) {
            state.canceled++;
        } else {
            fail(disk.index(), disk.request(), outcome.outcome() + ": " + outcome.message());
            if (state.limits.stopOnFailure() && !state.stopping) {
                log.warn("{} failed and onFailure is stop: canceling the running migrations, starting no more",
                        disk.describe());
                state.stopping = true;
            }
        }
    }

    /** Asks every running child not yet asked to cancel; each rolls back as MigrateDisk defines. */
    private void cancelRunning() {
        for (String id : new ArrayList<>(state.running.keySet())) {
            if (state.cancelRequested.contains(id)) {
                continue;
            }
            state.cancelRequested.add(id);
            Promise<WorkflowExecution> started = run.started.get(id);
            Workflow.newDetachedCancellationScope(() -> Async.procedure(() -> {
                if (started != null) {
                    try {
                        started.get();
                    } catch (RuntimeException notStarted) {
                        return; // it never started: its result reports that
                    }
                }
                try {
                    Workflow.newUntypedExternalWorkflowStub(id).cancel();
                } catch (TemporalFailure e) {
                    log.warn("could not cancel {}: {}", id, e.getMessage());
                }
            })).run();
        }
    }

    private void continueAsNew() {
        run.phase = FleetPhase.CONTINUING_AS_NEW;
        // Every child this run started must have started, or it might never (and never report).
        for (Promise<WorkflowExecution> started : run.started.values()) {
            Workflow.await(started::isCompleted);
        }
        Workflow.await(Workflow::isEveryHandlerFinished);
        // The next run checks on these very executions, not on a later one with the same workflow ID.
        state.running.replaceAll((id, disk) -> {
            Promise<WorkflowExecution> started = run.started.get(id);
            return started == null || started.getFailure() != null ? disk : disk.withRunId(started.get().getRunId());
        });
        state.skip = state.skip.stream().filter(i -> i >= state.nextIndex).toList();
        state.run++;
        log.info("run {}: {} started, {} done, {} failed, {} running; continuing as new", state.run - 1, run.starts,
                state.done, state.failed, state.running.size());
        state.pack();
        Workflow.newContinueAsNewStub(MigrateFleetWorkflow.class).migrate(null, state);
    }

    private FleetResult end() {
        FleetResult result = new FleetResult(state.total, state.done, state.failed, state.canceled, state.bytesDone,
                List.copyOf(state.failures), state.run);
        if (state.stopping) {
            run.phase = FleetPhase.STOPPED;
            throw ApplicationFailure.newNonRetryableFailure("the fleet stopped after a failure (onFailure is stop): "
                    + state.done + " of " + state.total + " disk(s) migrated, " + state.failed + " failed, "
                    + state.canceled + " canceled and rolled back, " + FleetProgress.pending(state)
                    + " not started. First failure: " + (state.failures.isEmpty() ? "-" : state.failures.get(0)),
                    FailureType.FLEET_STOPPED.wire(), result);
        }
        run.phase = FleetPhase.DONE;
        return result;
    }

    // ------------------------------------------------------------------ pause, resume, progress

    @Override
    public FleetProgress progress() {
        return FleetProgress.of(run.phase, state, Workflow.currentTimeMillis());
    }

    @Override
    public FleetProgress pause() {
        return setPaused(true);
    }

    @Override
    public void validatePause() {
        refuseWhenEnding("pause");
        if (isPaused()) {
            throw new IllegalStateException("the fleet is already paused; resume it with the resume update");
        }
    }

    @Override
    public FleetProgress resume() {
        return setPaused(false);
    }

    @Override
    public void validateResume() {
        refuseWhenEnding("resume");
        if (!isPaused()) {
            throw new IllegalStateException("the fleet is not paused");
        }
    }

    /** Pauses or resumes; a pause that comes before the run has its state waits in {@link FleetRun#pausedEarly}. */
    private FleetProgress setPaused(boolean paused) {
        if (state != null) {
            state.paused = paused;
        }
        if (state == null || !paused) {
            run.pausedEarly = paused;
        }
        // The main loop sets the phase when it next wakes; the update's answer must say it already.
        if (run.phase == (paused ? FleetPhase.RUNNING : FleetPhase.PAUSED)) {
            run.phase = paused ? FleetPhase.PAUSED : FleetPhase.RUNNING;
        }
        run.changes++;
        log.info(paused ? "paused: no more disks start until resume" : "resumed");
        return progress();
    }

    private boolean isPaused() {
        return run.pausedEarly || (state != null && state.paused);
    }

    private void refuseWhenEnding(String what) {
        if (run.phase.isEnding() || (state != null && state.stopping)) {
            throw new IllegalStateException("cannot " + what + ": the fleet is " + run.phase);
        }
    }

    @Override
    public void diskFinished(DiskOutcome outcome) {
        finished(outcome);
    }

    // ------------------------------------------------------------------ helpers

    /** The workflow ID of the migration of one disk: the same disk always gets the same ID. */
    public static String childWorkflowId(String host, String domainUuid, String diskTarget) {
        return FleetDisks.childWorkflowId(host, domainUuid, diskTarget);
    }

    private void fail(int index, MigrateDiskRequest request, String why) {
        state.failed++;
        if (state.failures.size() < FAILURES_KEPT) {
            state.failures.add(new FleetFailure(index, request.domain, request.disk, why).line());
        }
    }

    private ApplicationFailure refused(String message, Throwable cause) {
        run.phase = FleetPhase.REFUSED;
        return MigrationFailures.refused(message, cause);
    }
}
