package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.BlockDevice;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror of A' into B' when the guest writes faster than it copies. QEMU's default
 * (background) mirror then never reaches READY; in write-blocking mode (libvirt's
 * SYNCHRONOUS_WRITES) every guest write reaches B' before it completes, so only the backlog is
 * left to copy and the job converges. QEMU 7.2 cannot switch a running job, so the background job
 * is aborted without a pivot and a new one started onto the same B'. Reusing B' is sound: it
 * holds only what the first job copied from A' (areas A' allocates), and a new shallow mirror
 * copies every area A' allocates again, so nothing stale survives; what the guest writes in
 * between goes to A', which the new job copies too.
 *
 * <p>A job that does not converge in write-blocking mode either (its backlog set no new minimum
 * for a whole window: the copy itself is stuck) is aborted and the step fails, not retried: the
 * migration rolls back.
 */
final class MirrorConvergence implements Convergence {

    private static final Logger log = LoggerFactory.getLogger(MirrorConvergence.class);
    private static final Duration ABORT = Duration.ofSeconds(30);

    private final MigrationPlan plan;
    private ConvergenceReport report;

    /** @param earlier what an earlier attempt's heartbeats say was done already, or null */
    MirrorConvergence(MigrationPlan plan, ConvergenceReport earlier) {
        this.plan = plan;
        this.report = earlier;
    }

    /** Whether the mirror now runs (or is to start) in write-blocking mode. */
    boolean writeBlocking() {
        return report != null && report.writeBlockingAt() != null;
    }

    @Override
    public Duration window() {
        return Duration.ofSeconds(plan.convergenceSeconds());
    }

    @Override
    public ConvergenceReport report() {
        return report;
    }

    @Override
    public void stalled(BlockDevice disk, ProgressWatermark watermark) throws LibvirtException, InterruptedException {
        if (writeBlocking()) {
            disk.abortJobAndWait(ABORT);
            throw Failures.nonRetryable("the mirror of " + plan.top() + " into " + plan.overlay()
                    + " did not converge even in write-blocking mode: its remaining bytes (" + watermark.lowestInWords()
                    + ") set no new minimum for " + plan.convergenceSeconds() + " s, so the copy itself is "
                    + "stuck or slower than the guest's writes allow. Try again with a higher bandwidthMiBps (now "
                    + (plan.bandwidthBytesPerSecond() >> 20) + ", 0 for no limit), at a quieter time, or with a longer "
                    + "convergenceSeconds; check the new storage's health", StepFailureType.NOT_CONVERGING);
        }
        report = ConvergenceReport.stalled(Instant.now().toString(), watermark.lowest());
        disk.abortJobAndWait(ABORT);
        start(disk, true);
        report = report.writeBlocking(Instant.now().toString());
        log.warn("mirror: {} of {} was not converging ({} after {} s without a new minimum); "
                + "restarted in write-blocking mode onto {}", plan.diskTarget(), plan.domainName(), watermark.lowestInWords(),
                plan.convergenceSeconds(), plan.overlay());
    }

    /** Starts the shallow copy of A' into the existing B', in write-blocking mode if so. */
    void start(BlockDevice disk, boolean writeBlocking) throws LibvirtException {
        disk.copyShallow(Path.of(plan.overlay()), "qcow2", plan.bandwidthBytesPerSecond(), plan.persistent(),
                writeBlocking);
    }
}
