package io.blockshift.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** How long each kind of step of {@code MigrateDisk} may take and how hard it is retried. */
final class StepOptions {

    /** Every activity lets its cleanup finish before the workflow moves on after a cancel. */
    private static final ActivityCancellationType WAIT = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

    /** Checks and single libvirt calls: seconds. */
    static final ActivityOptions QUICK = options(Duration.ofMinutes(2), null, 5, Duration.ofSeconds(30));

    /** The copy and the block jobs: as long as they take, as long as they heartbeat. */
    static final ActivityOptions LONG = options(Duration.ofDays(7), Duration.ofSeconds(10), 5, Duration.ofMinutes(1));

    /** Past the point of no return, and undoing: try hard, the guest's chain depends on it. */
    static final ActivityOptions PERSISTENT = options(Duration.ofHours(24), Duration.ofSeconds(10), 20, Duration.ofMinutes(1));

    /**
     * {@link #QUICK}'s timeout and retries for a step run as a local activity. A local activity cannot
     * heartbeat, so none of these may rely on a heartbeat timeout; one that outlives the workflow task
     * timeout keeps its task alive (the SDK completes the task at 80% of its timeout and asks for another).
     */
    static final LocalActivityOptions LOCAL_QUICK = local(QUICK);

    /** {@link #PERSISTENT}'s timeout and retries for a step run as a local activity (active layer, clean-up). */
    static final LocalActivityOptions LOCAL_PERSISTENT = local(PERSISTENT);

    private StepOptions() {
    }

    /**
     * Whether the short steps may run as local activities: they run where the workflow task runs, so
     * only when that is the queue they would be sent to (the workflow's own, or {@code host}'s).
     */
    static boolean canRunLocally(String host) {
        String workflowQueue = Workflow.getInfo().getTaskQueue();
        return host == null || workflowQueue.equals(MigrateDiskWorkflow.hostTaskQueue(host));
    }

    /** The steps as local activities with {@code options}: recorded as markers in the workflow task that ran them. */
    static MigrationActivities localSteps(LocalActivityOptions options) {
        return Workflow.newLocalActivityStub(MigrationActivities.class, options);
    }

    private static LocalActivityOptions local(ActivityOptions remote) {
        return LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(remote.getStartToCloseTimeout())
                .setRetryOptions(remote.getRetryOptions())
                .build();
    }

    /** The steps with {@code options}, on {@code host}'s task queue, or on the workflow's own when there is no host. */
    static MigrationActivities steps(ActivityOptions options, String host) {
        return Workflow.newActivityStub(MigrationActivities.class, host == null ? options
                : ActivityOptions.newBuilder(options).setTaskQueue(MigrateDiskWorkflow.hostTaskQueue(host)).build());
    }

    /** {@code heartbeat} null for a step that does not heartbeat. */
    private static ActivityOptions options(Duration startToClose, Duration heartbeat, int attempts, Duration maxInterval) {
        ActivityOptions.Builder options = ActivityOptions.newBuilder()
                .setStartToCloseTimeout(startToClose)
                .setCancellationType(WAIT)
                .setRetryOptions(RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(2)
                        .setMaximumInterval(maxInterval)
                        .setMaximumAttempts(attempts)
                        .build());
        if (heartbeat != null) {
            options.setHeartbeatTimeout(heartbeat);
        }
        return options.build();
    }
}
