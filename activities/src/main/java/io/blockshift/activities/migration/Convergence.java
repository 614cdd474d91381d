package io.blockshift.activities.migration;

import io.blockshift.activities.libvirt.BlockDevice;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;
import java.time.Duration;
import org.libvirt.LibvirtException;

/**
 * What a block job's wait does when the job stops converging (its remaining bytes set no new
 * minimum for a whole window, {@link ProgressWatermark}): the mirror's is {@link MirrorConvergence},
 * the commit's {@link CommitConvergence}.
 */
interface Convergence {

    /** Waits for READY for as long as it takes, acting on nothing (the revert). */
    Convergence NONE = new Convergence() {
        @Override
        public Duration window() {
            return null;
        }

        @Override
        public ConvergenceReport report() {
            return null;
        }

        @Override
        public void stalled(BlockDevice disk, ProgressWatermark watermark) {
        }
    };

    /**
     * What the last heartbeat of an earlier attempt of this step says was done, or null: a retry
     * that takes over a running job goes on from there (a mirror already in write-blocking mode is
     * not restarted again). A heartbeat the SDK had not sent yet when the worker died is lost, which
     * costs at most one more restart; the limit on the guest's writes is recorded elsewhere
     * ({@link io.blockshift.activities.libvirt.DiskWriteLimit}), since losing that would not be harmless.
     */
    static ConvergenceReport earlierAttempt() {
        return Activity.getExecutionContext().getHeartbeatDetails(StepProgress.class)
                .map(StepProgress::convergence).orElse(null);
    }

    /** How long the remainder may go without a new minimum; null to watch nothing. */
    Duration window();

    /** What was found and done so far, for the heartbeats and the step's report; null while nothing was. */
    ConvergenceReport report();

    /**
     * The job did not converge over the last window: act on it and return, and the wait watches
     * the job (the same or a new one) over a new window; or throw to end the step.
     */
    void stalled(BlockDevice disk, ProgressWatermark watermark) throws LibvirtException, InterruptedException;

    /** Undoes what the guest should not keep (a limit on its writes), once the job is pivoted or given up. */
    default void close() throws LibvirtException {
    }
}
