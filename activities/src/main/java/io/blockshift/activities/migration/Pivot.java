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
        ActivityExecutionContext context = Activity.getExecutionContext();
        long start = System.nanoTime();
        BlockJob ready;
        try {
            ready = disk.awaitReady(job -> context.heartbeat(new StepProgress(step, job.cur(), job.end(), 0)));
        } catch (ActivityCompletionException canceled) {
            log.info("{}: canceled; ending the block job without pivoting", step);
            disk.abortJob();
            throw canceled;
        }
        long millisToReady = (System.nanoTime() - start) / 1_000_000;
        int attempts = disk.pivot();
        StepProgress pivoted = new StepProgress(step, ready.end(), ready.end(), 0);
        disk.awaitSource(pivotOnto, XML_UPDATE, () -> {
            try {
                context.heartbeat(pivoted);
            } catch (ActivityCanceledException tooLate) {
                // The guest has pivoted: this step's work is done, and a cancel no longer undoes it.
            }
        });
        log.info("{}: {} job READY after {} ms ({} bytes); pivoted onto {} in {} attempt(s)", step, ready.typeName(),
                millisToReady, ready.end(), pivotOnto, attempts);
        return new BlockJobReport(ready.typeName(), ready.end(), millisToReady, attempts, false);
    }
}
