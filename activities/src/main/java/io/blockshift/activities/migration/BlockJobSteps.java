package io.blockshift.activities.migration;

import io.blockshift.activities.libvirt.BlockDevice;
import io.blockshift.activities.libvirt.BlockJob;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrationPlan;
import java.util.Objects;
import org.libvirt.LibvirtException;

/**
 * The steps that are libvirt block jobs and nothing else: the mirror into B' and its abort, the
 * commit into B, and the revert's commit of A' back into A, each with its pivot and convergence.
 * They touch no file, so the local activities and the agentless ones run the same code.
 */
public final class BlockJobSteps {

    /** What the revert's heartbeats name it (no phase of its own: it runs while rolling back). */
    private static final String REVERT_STEP = "revert";

    private BlockJobSteps() {
    }

    /** Step 4: shallow blockcopy of A' into the existing B', pivoted onto B' once READY. */
    public static BlockJobReport mirror(Guest guest, MigrationPlan plan) throws LibvirtException, InterruptedException {
        Layer layer = Layers.of(guest, plan);
        if (layer == Layer.OVERLAY || layer == Layer.TARGET) {
            return new BlockJobReport(BlockJob.typeName(BlockJob.COPY), 0, 0, 0, true);
        }
        Layers.require(layer, Layer.TOP, plan, "mirror onto the overlay");
        BlockDevice disk = guest.disk(plan.diskTarget());
        MirrorConvergence convergence = new MirrorConvergence(plan, Convergence.earlierAttempt());
        boolean resumed = disk.blockJob().isPresent();
        if (!resumed) {
            convergence.start(disk, convergence.writeBlocking());
        }
        return Pivot.whenReady(disk, DiskPhase.MIRROR.wire(), plan.overlay(), convergence).resumed(resumed);
    }

    /** Undoes a mirror that did not pivot: ends the job, the guest stays on A'. */
    public static void abortMirror(Guest guest, MigrationPlan plan) throws LibvirtException {
        if (Layers.of(guest, plan) == Layer.TOP) {
            Heartbeat.now();
            guest.disk(plan.diskTarget()).abortJob();
        }
    }

    /** Step 5: active shallow blockcommit of B' into B, pivoted once READY; checks B's backing file after. */
    public static BlockJobReport commit(Guest guest, MigrationPlan plan) throws LibvirtException, InterruptedException {
        BlockDevice disk = guest.disk(plan.diskTarget());
        // A limit on the guest's writes that an attempt which died left in place goes first.
        disk.writeLimit().restore();
        Layer layer = Layers.of(guest, plan);
        if (layer == Layer.TARGET) {
            return new BlockJobReport(BlockJob.typeName(BlockJob.ACTIVE_COMMIT), 0, 0, 0, true,
                    Convergence.earlierAttempt());
        }
        Layers.require(layer, Layer.OVERLAY, plan, "commit the overlay");
        boolean resumed = disk.blockJob().isPresent();
        if (!resumed) {
            disk.commitActive(plan.bandwidthBytesPerSecond());
        }
        CommitConvergence convergence = new CommitConvergence(plan, disk, resumed ? Convergence.earlierAttempt() : null);
        BlockJobReport report = Pivot.whenReady(disk, DiskPhase.COMMIT.wire(), plan.target(), convergence)
                .resumed(resumed);
        Disk committed = disk.live();
        if (!Objects.equals(plan.targetBacking(), committed.backingFile())) {
            throw new IllegalStateException("after the commit " + plan.target() + " has the backing file "
                    + committed.backingFile() + ", not " + plan.targetBacking());
        }
        return report;
    }

    /** The revert of a guest on A': ends any job, commits A' back into A and pivots onto A. */
    public static void commitBackToSource(Guest guest, MigrationPlan plan) throws LibvirtException, InterruptedException {
        BlockDevice disk = guest.disk(plan.diskTarget());
        disk.abortJob();
        Heartbeat.now();
        disk.commitActive(0);
        Pivot.whenReady(disk, REVERT_STEP, plan.source());
    }
}
