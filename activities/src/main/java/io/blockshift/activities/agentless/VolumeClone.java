package io.blockshift.activities.agentless;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.cloners.CloneException;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2 through libvirt: B is made by {@code virStorageVolCreateXMLFrom} (virsh vol-clone) in
 * the target pool, with a reflink or as a sparse copy, while this thread heartbeats B's allocation
 * as progress. libvirt writes B under its own name and can neither interrupt nor resume its copy:
 * a cancel waits for it and then deletes B, and a retry deletes what an earlier attempt of this
 * step left (known by that attempt's heartbeat, sent before libvirt makes B) and copies again from
 * the start (the report's reason says so); a B no attempt of this step made is refused, untouched.
 * With {@code verify}, A and B are then read back and compared ({@link VolumeChecksum}).
 */
final class VolumeClone {

    private static final Logger log = LoggerFactory.getLogger(VolumeClone.class);
    private static final String CLONE_STEP = DiskPhase.CLONE.wire();
    private static final Duration POLL = Duration.ofMillis(500);

    /** The cloner names an agentless plan may carry; {@code auto} resolves to {@link #SPARSE}. */
    static final String SPARSE = "sparse";
    static final String PLAIN = "plain";
    static final String REFLINK = "reflink";

    private VolumeClone() {
    }

    static CloneReport clone(Guest guest, PlanVolumes volumes, MigrationPlan plan)
            throws LibvirtException, InterruptedException {
        ActivityExecutionContext context = Activity.getExecutionContext();
        StorageVolume source = volumes.volume(plan.source(), false)
                .or(() -> refreshed(volumes, plan.source()))
                .orElseThrow(() -> Failures.nonRetryable(plan.source() + " is no volume of its pool any more: was it"
                        + " removed? The guest writes to " + plan.top() + " over it", StepFailureType.IO));
        StorageXml.VolumeInfo a = source.info();
        StoragePoolOnHost pool = volumes.poolOf(plan.target());
        String reason = plan.clonerReason();
        if (volumes.volume(plan.target(), true).isPresent()) {
            // Any heartbeat of this step is sent only once the copy was started: an earlier attempt's B.
            if (!context.getHeartbeatDetails(StepProgress.class).map(p -> CLONE_STEP.equals(p.step())).orElse(false)) {
                VolumeClaim.markForeign(volumes, plan, plan.target()); // deleteBase, the compensation, keeps it
                throw Failures.refuse(plan.target() + " appeared after the snapshot, and no earlier attempt of this"
                        + " step started a copy there; blockshift never deletes a volume it did not make. Find out"
                        + " what made it ('virsh domblklist' of each VM), delete it with 'virsh vol-delete "
                        + PlanVolumes.name(plan.target()) + " --pool " + pool.name() + "' if nothing uses it, and"
                        + " start again");
            }
            UnusedVolumes.delete(guest, volumes, plan.target());
            reason += "; an earlier attempt's " + plan.target() + " was deleted and the copy started again from"
                    + " byte 0 (libvirt's copy cannot resume)";
            log.warn("clone: deleted {}, left by an earlier attempt; libvirt's copy cannot resume, so it starts again",
                    plan.target());
        }
        boolean reflink = REFLINK.equals(plan.cloner());
        // An allocation below the capacity makes libvirt's raw copy sparse: it seeks over zero blocks.
        long allocation = PLAIN.equals(plan.cloner()) ? a.capacity() : 0;
        String xml = StorageXml.newVolume(PlanVolumes.name(plan.target()), plan.sourceFormat(), a.capacity(), allocation,
                a.permissions());
        log.info("clone: {} -> {} by libvirt ({}, pool {})", plan.source(), plan.target(), plan.cloner(), pool.name());
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "blockshift-vol-clone");
            thread.setDaemon(true);
            return thread;
        });
        try {
            // Recorded before libvirt makes B: a retry that finds B knows this step made it.
            context.heartbeat(new StepProgress(CLONE_STEP, 0, a.allocation(), 0));
            Future<StorageVolume> copy = runner.submit(() -> pool.cloneFrom(xml, source, reflink));
            StorageVolume b = awaitCopy(copy, pool, volumes, plan, a.allocation(), context);
            long written = b.allocation();
            log.info("clone: {} complete, {} bytes allocated", plan.target(), written);
            if (!plan.verify()) {
                return new CloneReport(plan.cloner(), reason, a.capacity(), written, 0, null, null, null);
            }
            // Preflight refuses verify for qcow2: only raw A and raw B hold the guest's bytes as they are.
            VolumeChecksum.Sums sums = VolumeChecksum.compare(source, plan.source(), b, plan.target(), a.capacity(),
                    context);
            return new CloneReport(plan.cloner(), reason + "; verified: A and B read through libvirt streams",
                    a.capacity(), written, 0, VolumeChecksum.ALGORITHM, sums.source(), sums.target());
        } finally {
            runner.shutdown();
        }
    }

    private static StorageVolume awaitCopy(Future<StorageVolume> copy, StoragePoolOnHost pool, PlanVolumes volumes,
            MigrationPlan plan,
            long total, ActivityExecutionContext context) throws LibvirtException, InterruptedException {
        long done = 0;
        while (true) {
            try {
                return copy.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw failure(e.getCause(), plan);
            } catch (TimeoutException stillCopying) {
                done = allocationOf(pool, plan.target(), done);
            }
            try {
                context.heartbeat(new StepProgress(CLONE_STEP, Math.min(done, total), total, 0));
            } catch (ActivityCompletionException canceled) {
                log.info("clone: canceled; libvirt's copy cannot be interrupted: waiting for it, then deleting {}",
                        plan.target());
                deleteWhenDone(copy, volumes, plan, context, new StepProgress(CLONE_STEP, Math.min(done, total), total, 0));
                throw canceled;
            }
        }
    }

    /** B's allocation now, or {@code last} when libvirt cannot say (the volume is being set up). */
    private static long allocationOf(StoragePoolOnHost pool, String target, long last) {
        try {
            return pool.volume(PlanVolumes.name(target)).map(v -> {
                try {
                    return v.allocation();
                } catch (LibvirtException e) {
                    return last;
                }
            }).orElse(last);
        } catch (LibvirtException e) {
            return last;
        }
    }

    /**
     * Waits for libvirt's copy to end, heartbeating (the SDK still sends a canceled activity's
     * heartbeats, and throws each time) so that the wait does not time the step out, then deletes B.
     */
    private static void deleteWhenDone(Future<StorageVolume> copy, PlanVolumes volumes, MigrationPlan plan,
            ActivityExecutionContext context, StepProgress last) throws LibvirtException, InterruptedException {
        try {
            while (true) {
                try {
                    copy.get(POLL.toMillis(), TimeUnit.MILLISECONDS).delete();
                    return;
                } catch (TimeoutException stillCopying) {
                    try {
                        context.heartbeat(last);
                    } catch (ActivityCompletionException expected) {
                        // canceled: known, and the reason for this wait
                    }
                }
            }
        } catch (ExecutionException failed) {
            // libvirt removes what a failed copy wrote
            volumes.volume(plan.target(), false).ifPresent(v -> {
                try {
                    v.delete();
                } catch (LibvirtException e) {
                    log.warn("clone: could not delete {} after a failed copy: {}", plan.target(), e.getMessage());
                }
            });
        }
    }

    private static RuntimeException failure(Throwable cause, MigrationPlan plan) {
        if (cause instanceof LibvirtException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (REFLINK.equals(plan.cloner()) && message.contains("failed to clone files")) {
                return ApplicationFailure.newNonRetryableFailure("libvirt cannot reflink " + plan.source() + " into " + plan.target()
                        + " (" + message + "): the two pools are not on one filesystem that can share extents (XFS with"
                        + " reflink, btrfs); use cloner 'sparse'", StepFailureType.clone(CloneException.Kind.NOT_SUPPORTED));
            }
            if (message.contains("No space left")) {
                return ApplicationFailure.newNonRetryableFailure("the target pool ran out of space while libvirt copied " + plan.source()
                        + " (" + message + "); free space in " + plan.target() + "'s pool or choose another target",
                        StepFailureType.clone(CloneException.Kind.NO_SPACE));
            }
            return Failures.libvirt(e);
        }
        if (cause instanceof RuntimeException e) {
            return e;
        }
        return new IllegalStateException(cause);
    }

    private static java.util.Optional<StorageVolume> refreshed(PlanVolumes volumes, String path) {
        try {
            return volumes.volume(path, true);
        } catch (LibvirtException e) {
            throw Failures.libvirt(e);
        }
    }
}
