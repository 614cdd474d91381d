package io.blockshift.activities.migration;

import io.blockshift.activities.libvirt.BlockDevice;
import io.blockshift.activities.libvirt.BlockJob;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the mirror, the commit and the revert: wait for the disk's block job to be READY,
 * heartbeating its figures, pivot the guest onto the new image, and wait until both XMLs name it.
 * A cancel before the pivot ends the job without one.
 */
final class Pivot {

    private static final Logger log = LoggerFactory.getLogger(Pivot.class);
    private static final Duration XML_UPDATE = Duration.ofSeconds(10);

    private Pivot() {
    }

    static BlockJobReport whenReady(BlockDevice disk, String step, String pivotOnto)
            throws LibvirtException, InterruptedException {
        return whenReady(disk, step, pivotOnto, Convergence.NONE);
    }

    /**
     * As {@link #whenReady(BlockDevice, String, String)}, acting as {@code convergence} says when the
     * job stops converging, and undoing what it did ({@link Convergence#close}) however the step ends.
     * A keep-alive repeats the last figures throughout: aborting and restarting a job on slow storage,
     * one look at a job while the guest's I/O holds QEMU's monitor, the pivot and the restoring of the
     * guest's I/O tuning (both drain the disk's in-flight I/O) can each take longer than the step's
     * heartbeat timeout, and the step would then run again beside itself.
     */
    static BlockJobReport whenReady(BlockDevice disk, String step, String pivotOnto, Convergence convergence)
            throws LibvirtException, InterruptedException {
        ActivityExecutionContext context = Activity.getExecutionContext();
        try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context,
                new StepProgress(step, 0, 0, 0, convergence.report()))) {
            BlockJobReport report;
            try {
                report = pivotWhenReady(disk, step, pivotOnto, convergence, alive);
            } catch (LibvirtException | InterruptedException | RuntimeException failed) {
                try {
                    convergence.close();
                } catch (LibvirtException | RuntimeException alsoFailed) {
                    failed.addSuppressed(alsoFailed); // the step's own failure is what the history must say
                }
                throw failed;
            }
            convergence.close();
            return report.convergence(convergence.report());
        }
    }

    private static BlockJobReport pivotWhenReady(BlockDevice disk, String step, String pivotOnto, Convergence convergence,
            HeartbeatKeepAlive alive) throws LibvirtException, InterruptedException {
        long start = System.nanoTime();
        BlockJob ready;
        try {
            ready = awaitConverging(disk, step, convergence, alive);
        } catch (ActivityCompletionException canceled) {
            log.info("{}: canceled; ending the block job without pivoting", step);
            disk.abortJob();
            throw canceled;
        }
        long millisToReady = (System.nanoTime() - start) / 1_000_000;
        StepProgress pivoted = new StepProgress(step, ready.end(), ready.end(), 0, convergence.report());
        int attempts = disk.pivot();
        disk.awaitSource(pivotOnto, XML_UPDATE, () -> {
            try {
                alive.heartbeat(pivoted);
            } catch (ActivityCanceledException tooLate) {
                // The guest has pivoted: this step's work is done, and a cancel no longer undoes it.
            }
        });
        log.info("{}: {} job READY after {} ms ({} bytes); pivoted onto {} in {} attempt(s)", step, ready.typeName(),
                millisToReady, ready.end(), pivotOnto, attempts);
        return new BlockJobReport(ready.typeName(), ready.end(), millisToReady, attempts, false);
    }

    /** Waits for READY, heartbeating the job's figures, and hands each window without progress to {@code convergence}. */
    private static BlockJob awaitConverging(BlockDevice disk, String step, Convergence convergence,
            HeartbeatKeepAlive alive) throws LibvirtException, InterruptedException {
        Duration window = convergence.window();
        while (true) {
            ProgressWatermark watermark = window == null ? null : new ProgressWatermark(window);
            try {
                return disk.awaitReady(job -> {
                    alive.heartbeat(new StepProgress(step, job.cur(), job.end(), 0, convergence.report()));
                    log.debug("{}: cur {} end {}", step, job.cur(), job.end());
                    if (watermark != null && !watermark.converging(job.cur(), job.end(), System.nanoTime())) {
                        throw new Stalled();
                    }
                });
            } catch (Stalled stalled) {
                log.warn("{}: the block job is not converging: its remaining bytes set no new minimum for {} s "
                        + "({}); acting on it", step, window.toSeconds(), watermark.lowestInWords());
                convergence.stalled(disk, watermark);
            }
        }
    }

    /** Thrown out of the wait when a whole window went by without progress. */
    private static final class Stalled extends RuntimeException {
        Stalled() {
            super(null, null, false, false);
        }
    }
}
