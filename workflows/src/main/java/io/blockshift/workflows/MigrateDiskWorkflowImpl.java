package io.blockshift.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The procedure, one method per step, each compensation added just before its step. Until the
 * guest is pivoted onto B' a failure or cancel rolls back (the guest ends on A alone, nothing new
 * left on disk); from then on the migration rolls forward, even through a cancel.
 */
public class MigrateDiskWorkflowImpl implements MigrateDiskWorkflow {

    private static final Logger log = Workflow.getLogger(MigrateDiskWorkflowImpl.class);

    /** Every activity lets its cleanup finish before the workflow moves on after a cancel. */
    private static final ActivityCancellationType WAIT = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

    /** Checks and single libvirt calls: seconds. */
    private static final ActivityOptions QUICK = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(2))
            .setCancellationType(WAIT)
            .setRetryOptions(retries(5, Duration.ofSeconds(30)))
            .build();

    /** The copy and the block jobs: as long as they take, as long as they heartbeat. */
    private static final ActivityOptions LONG = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofDays(7))
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setCancellationType(WAIT)
            .setRetryOptions(retries(5, Duration.ofMinutes(1)))
            .build();

    /** Past the point of no return, and undoing: try hard, the guest's chain depends on it. */
    private static final ActivityOptions PERSISTENT = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofHours(24))
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setCancellationType(WAIT)
            .setRetryOptions(retries(20, Duration.ofMinutes(1)))
            .build();

    /**
     * Change ID of the version that routes activities to the request's host and reports to a parent
     * fleet: histories recorded before it replay on {@link Workflow#DEFAULT_VERSION}.
     */
    static final String HOSTS_AND_FLEETS = "hosts-and-fleets";

    /**
     * Change ID of the version that keeps {@link SearchAttributes} up to date: histories recorded
     * before it replay on {@link Workflow#DEFAULT_VERSION} and upsert nothing.
     */
    static final String SEARCH_ATTRIBUTES = "search-attributes";

    /**
     * Change ID of the version that ends a migration whose clean-up failed after the guest moved as
     * CleanupIncomplete (saying the guest runs on B) rather than with the activity's bare failure:
     * asked only on that path, so only histories that took it carry the marker.
     */
    static final String CLEANUP_INCOMPLETE = "cleanup-incomplete";

    private MigrationActivities quick;
    private MigrationActivities copying;
    private MigrationActivities persistent;

    private final LinkedHashMap<String, Long> stepMillis = new LinkedHashMap<>();
    private final List<String> stepsDone = new ArrayList<>();
    private String phase = "starting";
    private MigrationPlan plan;
    private CloneReport clone;
    private MigrateDiskResult result;
    private ApplicationFailure failure;
    private int searchAttributesVersion;

    @Override
    public MigrateDiskResult migrate(MigrateDiskRequest request) {
        int version = Workflow.getVersion(HOSTS_AND_FLEETS, Workflow.DEFAULT_VERSION, 1);
        searchAttributesVersion = Workflow.getVersion(SEARCH_ATTRIBUTES, Workflow.DEFAULT_VERSION, 1);
        String host = version >= 1 && request != null && request.host != null && !request.host.isBlank()
                ? request.host : null;
        quick = activities(QUICK, host);
        copying = activities(LONG, host);
        persistent = activities(PERSISTENT, host);
        if (version < 1) {
            return migrateOnce(request);
        }
        upsertRequested(request != null ? request : new MigrateDiskRequest(), host);
        MigrateDiskResult done;
        try {
            done = migrateOnce(request);
        } catch (TemporalFailure ended) {
            // Not a finally: that would also run when the SDK destroys this workflow's thread.
            upsertSearchAttributes(SearchAttributes.OUTCOME.valueSet(outcome(ended)));
            FleetReports.reportToParent(
                    "canceled".equals(phase) ? DiskOutcome.CANCELED : "refused".equals(phase) ? DiskOutcome.REFUSED : DiskOutcome.FAILED,
                    failure != null ? failure.getOriginalMessage() : messageOf(ended));
            throw ended;
        }
        upsertSearchAttributes(SearchAttributes.OUTCOME.valueSet(outcome(null)));
        FleetReports.reportToParent(DiskOutcome.DONE, null);
        return done;
    }

    /**
     * The search attributes in the request's own words, until preflight resolves them. It names
     * every attribute, the unknown ones unset: where one is missing from the namespace, the server
     * rejects this first workflow task, so the migration waits before it has changed anything,
     * never halfway.
     */
    private void upsertRequested(MigrateDiskRequest request, String host) {
        upsertSearchAttributes(keyword(SearchAttributes.DOMAIN, request.domain), keyword(SearchAttributes.DISK, request.disk),
                keyword(SearchAttributes.HOST, host != null ? host : SearchAttributes.LOCAL_HOST),
                SearchAttributes.SOURCE.valueUnset(), keyword(SearchAttributes.TARGET, request.target),
                keyword(SearchAttributes.CLONER, request.cloner), SearchAttributes.PHASE.valueSet(phase),
                SearchAttributes.OUTCOME.valueUnset());
    }

    /** How the migration ended, as {@link SearchAttributes#OUTCOME} says it; {@code ended} is null when done. */
    private String outcome(TemporalFailure ended) {
        if (ended == null) {
            return DiskOutcome.DONE;
        }
        boolean canceled = ended instanceof CanceledFailure || CancellationScope.current().isCancelRequested();
        return switch (failure == null ? "" : failure.getType()) {
            case "RolledBack" -> "rolled-back";
            case "Refused" -> canceled ? DiskOutcome.CANCELED : DiskOutcome.REFUSED;
            case "" -> canceled ? DiskOutcome.CANCELED : DiskOutcome.FAILED;
            // CommitIncomplete, RollbackIncomplete, Undecided: something needs a hand, cancel or not.
            default -> DiskOutcome.FAILED;
        };
    }

    /** Activities on {@code host}'s task queue, or on the workflow's own when there is no host. */
    private static MigrationActivities activities(ActivityOptions options, String host) {
        return Workflow.newActivityStub(MigrationActivities.class, host == null ? options
                : ActivityOptions.newBuilder(options).setTaskQueue(MigrateDiskWorkflow.hostTaskQueue(host)).build());
    }

    private MigrateDiskResult migrateOnce(MigrateDiskRequest request) {
        refuseMalformed(request);
        plan = preflight(request);
        // What preflight resolved: the domain's name even when asked by UUID, the disk's target dev
        // even when asked by path.
        upsertSearchAttributes(keyword(SearchAttributes.DOMAIN, plan.domainName()),
                keyword(SearchAttributes.DISK, plan.diskTarget()), keyword(SearchAttributes.SOURCE, plan.source()),
                keyword(SearchAttributes.TARGET, plan.target()));

        Compensations undo = new Compensations();
        try {
            snapshot(undo);
            cloneBase(undo);
            createOverlay(undo);
            mirrorToOverlay(undo);
        } catch (ActivityFailure | CanceledFailure failure) {
            if (!pivotedOntoOverlay(failure)) {
                throw rollBack(undo, failure);
            }
            log.warn("{} failed after the guest moved onto {}; rolling forward", phase, plan.overlay());
        }

        // Past the point of no return: a cancel no longer stops the migration.
        Workflow.newDetachedCancellationScope(() -> {
            commitOverlay();
            cleanup();
        }).run();
        result = result();
        enterPhase("done");
        if (result.cancelIgnored()) {
            // The SDK closes a workflow that was asked to cancel as CANCELED whatever it returns:
            // the memo, the status query and the log are where the migration's outcome survives.
            log.warn("a cancel came after the guest moved onto {}: the migration finished; the guest runs on {}",
                    plan.overlay(), plan.target());
            Workflow.upsertMemo(Map.of("outcome", "migrated: the cancel came after the point of no return; the guest runs on "
                    + plan.target()));
        }
        return result;
    }

    @Override
    public MigrationStatus status() {
        return new MigrationStatus(phase, List.copyOf(stepsDone), plan, result,
                failure == null ? null : failure.getOriginalMessage(), failure == null ? null : failure.getType());
    }

    private void refuseMalformed(MigrateDiskRequest request) {
        List<String> problems = request == null
                ? List.of("no input: pass the request as one JSON object, such as --input '{\"domain\": \"vm1\", "
                        + "\"disk\": \"vda\", \"target\": \"/new/vm1-vda.img\"}'")
                : request.problems();
        if (!problems.isEmpty()) {
            throw fail("refused", ApplicationFailure.newNonRetryableFailure(
                    "refused: " + String.join("; ", problems) + ". Nothing was changed.", "Refused"));
        }
    }

    private MigrationPlan preflight(MigrateDiskRequest request) {
        try {
            return step("preflight", () -> quick.preflight(request));
        } catch (ActivityFailure failure) {
            if (failure.getCause() instanceof CanceledFailure) {
                // Canceled before or while the checks ran: nothing was changed, and nothing refused.
                enterPhase("canceled");
                throw failure;
            }
            throw fail("refused", ApplicationFailure.newNonRetryableFailureWithCause(
                    sentence(messageOf(failure)) + " Nothing was changed.", "Refused", failure));
        }
    }

    /** Step 1: A &lt;- A'; the guest writes to A' from now on. */
    private void snapshot(Compensations undo) {
        undo.add(persistent::revertSnapshot, plan);
        step("snapshot", () -> quick.snapshot(plan));
    }

    /** Step 2: A to B; A no longer changes, so this takes as long as it takes. */
    private void cloneBase(Compensations undo) {
        undo.add(persistent::deleteBase, plan);
        clone = step("clone", () -> copying.cloneBase(plan));
        upsertSearchAttributes(keyword(SearchAttributes.CLONER, clone.cloner()));
    }

    /** Step 3: an empty B' over B. */
    private void createOverlay(Compensations undo) {
        undo.add(persistent::deleteOverlay, plan);
        step("overlay", () -> quick.createOverlay(plan));
    }

    /** Step 4: what the guest wrote to A' is mirrored into B', then the guest pivots onto B'. */
    private void mirrorToOverlay(Compensations undo) {
        undo.add(persistent::abortMirror, plan);
        step("mirror", () -> copying.mirrorToOverlay(plan));
    }

    /** Step 5: B' is committed into B, then the guest pivots onto B alone. */
    private void commitOverlay() {
        try {
            step("commit", () -> persistent.commitOverlay(plan));
        } catch (ActivityFailure failure) {
            throw fail("failed", ApplicationFailure.newNonRetryableFailureWithCause(
                    "the guest runs on " + plan.overlay() + " backed by " + plan.target()
                            + " (a consistent chain on the new storage), but committing the overlay into "
                            + plan.target() + " did not finish: " + messageOf(failure)
                            + ". Nothing is lost; finish by hand with: virsh blockcommit " + plan.domainName()
                            + " " + plan.diskTarget() + " --active --shallow --pivot --wait",
                    "CommitIncomplete", failure));
        }
    }

    /** Step 6: A (unless kept), A', B' and stale snapshot metadata go. */
    private void cleanup() {
        try {
            step("cleanup", () -> persistent.cleanup(plan));
        } catch (ActivityFailure failure) {
            if (Workflow.getVersion(CLEANUP_INCOMPLETE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
                throw failure;
            }
            throw fail("failed", ApplicationFailure.newNonRetryableFailureWithCause(
                    "the migration is done: the guest runs on " + plan.target() + " alone; but cleaning up did not finish: "
                            + sentence(messageOf(failure)) + " Delete by hand whichever of these is left: "
                            + (plan.keepSource() ? "" : plan.source() + ", ") + plan.top() + ", " + plan.overlay()
                            + " (check first with: virsh domblklist " + plan.domainName() + " --details)",
                    "CleanupIncomplete", failure));
        }
    }

    /** Whether the guest already runs on B' (or B): then only rolling forward is safe. */
    private boolean pivotedOntoOverlay(TemporalFailure cause) {
        Layer layer;
        try {
            layer = detached(() -> persistent.activeLayer(plan));
        } catch (ActivityFailure unknown) {
            throw fail("failed", ApplicationFailure.newNonRetryableFailureWithCause(
                    "step " + phase + " failed (" + messageOf(cause) + ") and blockshift could not tell which image disk "
                            + plan.diskTarget() + " of " + plan.domainName() + " runs on (" + messageOf(unknown)
                            + "), so it neither rolled back nor forward. Check with: virsh domblklist "
                            + plan.domainName() + " --details", "Undecided", unknown));
        }
        return layer == Layer.OVERLAY || layer == Layer.TARGET;
    }

    private TemporalFailure rollBack(Compensations undo, TemporalFailure failure) {
        String failedStep = phase;
        enterPhase("rolling back");
        try {
            Workflow.newDetachedCancellationScope(undo::compensate).run();
        } catch (RuntimeException compensationFailure) {
            return fail("failed", ApplicationFailure.newNonRetryableFailureWithCause(
                    "step " + failedStep + " failed (" + messageOf(failure) + ") and rolling back did not finish: "
                            + messageOf(compensationFailure) + ". Check the disk " + plan.diskTarget() + " of "
                            + plan.domainName() + " with: virsh domblklist " + plan.domainName() + " --details",
                    "RollbackIncomplete", compensationFailure));
        }
        stepsDone.add("rollback");
        if (failure instanceof CanceledFailure || failure.getCause() instanceof CanceledFailure) {
            enterPhase("canceled");
            log.info("canceled during {}; rolled back: the guest runs on {} alone", failedStep, plan.source());
            return failure;
        }
        return fail("failed", ApplicationFailure.newNonRetryableFailureWithCause(
                "step " + failedStep + " failed: " + sentence(messageOf(failure)) + " Rolled back: the guest runs on "
                        + plan.source() + " alone and nothing new is left on disk.",
                "RolledBack", failure));
    }

    /**
     * Records why the migration ends, for the status query: after a cancel the SDK closes the
     * workflow as CANCELED whatever it throws, and this message would otherwise be lost.
     */
    private ApplicationFailure fail(String endPhase, ApplicationFailure failure) {
        enterPhase(endPhase);
        this.failure = failure;
        return failure;
    }

    /** Moves to {@code next}: what the status query and {@link SearchAttributes#PHASE} report. */
    private void enterPhase(String next) {
        phase = next;
        upsertSearchAttributes(SearchAttributes.PHASE.valueSet(next));
    }

    /** Sets search attributes, unless this run began before blockshift kept them (its history has none). */
    private void upsertSearchAttributes(SearchAttributeUpdate<?>... updates) {
        if (searchAttributesVersion >= 1) {
            Workflow.upsertTypedSearchAttributes(updates);
        }
    }

    /** Sets {@code key} to {@code value} as the server takes it, or unsets it when there is none. */
    private static SearchAttributeUpdate<String> keyword(SearchAttributeKey<String> key, String value) {
        return value == null ? key.valueUnset() : key.valueSet(SearchAttributes.keywordValue(value));
    }

    private static String sentence(String message) {
        return message.endsWith(".") ? message : message + ".";
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
                plan.keepSource(), stepMillis,
                CancellationScope.current().isCancelRequested());
    }

    /** Runs one step, recording its phase, duration and completion. */
    private <T> T step(String name, Functions.Func<T> body) {
        enterPhase(name);
        long start = Workflow.currentTimeMillis();
        T result = body.apply();
        stepMillis.put(name, Workflow.currentTimeMillis() - start);
        stepsDone.add(name);
        return result;
    }

    private void step(String name, Functions.Proc body) {
        step(name, () -> {
            body.apply();
            return null;
        });
    }

    private static <T> T detached(Functions.Func<T> body) {
        List<T> holder = new ArrayList<>(1);
        Workflow.newDetachedCancellationScope(() -> holder.add(body.apply())).run();
        return holder.get(0);
    }

    /** The innermost message: what the activity said, not Temporal's wrapping. */
    static String messageOf(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && (t instanceof ActivityFailure || t.getCause() instanceof ApplicationFailure)) {
            t = t.getCause();
        }
        String message = t instanceof ApplicationFailure app ? app.getOriginalMessage() : t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }

    private static RetryOptions retries(int attempts, Duration maxInterval) {
        return RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2)
                .setMaximumInterval(maxInterval)
                .setMaximumAttempts(attempts)
                .build();
    }
}
