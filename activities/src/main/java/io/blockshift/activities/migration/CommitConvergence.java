package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.BlockDevice;
import io.blockshift.activities.libvirt.DiskWriteLimit;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.MigrationPlan;
import java.time.Duration;
import java.time.Instant;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active commit of B' into B when the guest writes faster than it copies. libvirt has no
 * write-blocking commit, so, one window without progress at a time, it does what
 * {@link CommitEscalation} says: lift the job's bandwidth limit, then limit the guest's writes to
 * the disk (so the backlog shrinks by at least three quarters of the copy rate), then tighten that
 * limit, then give up. The guest's own I/O tuning is restored
 * once the job is pivoted or given up ({@link #close}), and at the start of any retry
 * ({@link DiskWriteLimit} keeps the record in the domain).
 *
 * <p>This step is past the point of no return, so "cannot converge" means: with the guest's
 * writes held to the floor, the job still set no new minimum for a whole window, so the copy into
 * B itself is stuck (B's storage failing or hung), not outrun. The job is then aborted (the guest
 * stays on B' over B, a consistent chain on the new storage), the guest's tuning restored, and the
 * step fails retryably: the workflow's retries start a new commit, and when they run out the
 * migration ends CommitIncomplete, saying how to finish by hand.
 */
final class CommitConvergence implements Convergence {

    private static final Logger log = LoggerFactory.getLogger(CommitConvergence.class);
    private static final Duration ABORT = Duration.ofSeconds(30);

    private final MigrationPlan plan;
    private final DiskWriteLimit writeLimit;
    private final CommitEscalation escalation;
    private ConvergenceReport report;
    private long throttledSince;

    /** @param earlier what an earlier attempt's heartbeats say was done already, or null */
    CommitConvergence(MigrationPlan plan, BlockDevice disk, ConvergenceReport earlier) {
        this.plan = plan;
        this.writeLimit = disk.writeLimit();
        this.report = earlier;
        // A job an earlier attempt started runs on as that attempt left it: lifted if its report says so.
        this.escalation = new CommitEscalation(plan.bandwidthBytesPerSecond() == 0
                || (earlier != null && earlier.bandwidthLiftedAt() != null));
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
        String now = Instant.now().toString();
        if (report == null) {
            report = ConvergenceReport.stalled(now, watermark.lowest());
        }
        CommitEscalation.Step next = escalation.next(watermark.copiedBytesPerSecond(), writeLimit.group());
        if (next instanceof CommitEscalation.Lift) {
            disk.setJobBandwidth(0);
            report = report.bandwidthLifted(now);
            log.warn("commit: {} of {} was not converging at {} MiB/s; lifted the job's bandwidth limit",
                    plan.diskTarget(), plan.domainName(), plan.bandwidthBytesPerSecond() >> 20);
        } else if (next instanceof CommitEscalation.Limit limit) {
            long applied = writeLimit.limitTo(limit.bytesPerSecond());
            if (throttledSince == 0) {
                throttledSince = System.nanoTime();
                report = report.throttled(now, applied, report.throttledMillis());
            } else {
                report = report.throttled(report.throttledAt(), applied, report.throttledMillis());
            }
            log.warn("commit: {} of {} was not converging ({} bytes/s copied); the guest's writes to it are limited to "
                    + "{} bytes/s until the commit is done", plan.diskTarget(), plan.domainName(),
                    watermark.copiedBytesPerSecond(), applied);
        } else if (next instanceof CommitEscalation.GiveUp giveUp) {
            disk.abortJobAndWait(ABORT);
            throw Failures.retryable("the commit of " + plan.overlay() + " into " + plan.target() + " did not converge: "
                    + giveUp.why() + ". The guest runs on " + plan.overlay() + " over " + plan.target()
                    + " with its own I/O tuning; the commit starts again on the next attempt (try a quieter time)",
                    StepFailureType.NOT_CONVERGING, null);
        }
    }

    /** Restores the guest's own I/O tuning, if this attempt (or an earlier one) limited it. */
    @Override
    public void close() throws LibvirtException {
        boolean restored = writeLimit.restore();
        if (throttledSince != 0) {
            long millis = (System.nanoTime() - throttledSince) / 1_000_000;
            report = report.throttled(report.throttledAt(), report.throttleBytesPerSecond(),
                    report.throttledMillis() + millis);
            throttledSince = 0;
        }
        if (restored) {
            log.info("commit: restored the guest's own I/O tuning of {} of {}", plan.diskTarget(), plan.domainName());
        }
    }
}
