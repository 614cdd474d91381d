package io.blockshift.activities.agentless;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.LibvirtErrors;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.migration.MigrationFiles;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.activity.Activity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * A migration's claim on B's name as a volume of its own, {@code B.blockshift-reserved} in the
 * target pool, holding the workflow ID: what the local worker's claim file is, made and read
 * through libvirt. libvirt creates a volume only under a name no other volume of the pool has, so
 * only one migration gets it; a retry finds its own workflow ID in it.
 *
 * <p>libvirt cannot create a volume with content: the claim is made empty, then the ID is written.
 * Between the two the snapshot step heartbeats {@link #CLAIM_MADE}, so a retry after a crash there
 * knows the empty claim is its own and writes the ID; an empty claim with no such record is no
 * one's provably, and is left for a person to judge (the refusal names {@code virsh vol-delete}).
 */
final class VolumeClaim {

    private VolumeClaim() {
    }

    /** Room for the workflow ID and the notes of {@link #markForeign} (a sparse file). */
    private static final long CAPACITY = 4096;
    private static final String FOREIGN = "foreign ";

    /** The snapshot step's heartbeat once it made the (still empty) claim: a retry may adopt an empty one. */
    static final String CLAIM_MADE = "snapshot-claim-made";

    /** Claims the plan's target for this activity's workflow, or fails naming the one that holds it. */
    static void take(PlanVolumes volumes, MigrationPlan plan) throws LibvirtException {
        String us = workflowId();
        StoragePoolOnHost pool = volumes.poolOf(plan.target());
        pool.refresh();
        String name = name(plan);
        Optional<StorageVolume> existing = pool.volume(name);
        if (existing.isEmpty()) {
            StorageVolume claim;
            try {
                claim = pool.create(StorageXml.newVolume(name, "raw", CAPACITY, 0, null));
            } catch (LibvirtException e) {
                if (!LibvirtErrors.is(e, ErrorNumber.VIR_ERR_STORAGE_VOL_EXIST)) {
                    throw e;
                }
                claim = null;
                existing = pool.volume(name); // another migration made it first
            }
            if (claim != null) {
                Marks.record(CLAIM_MADE);
                try {
                    claim.writeSmall(us);
                } catch (LibvirtException | RuntimeException e) {
                    deleteQuietly(claim); // empty and ours: no one else may be kept out by it
                    throw e;
                }
                return;
            }
        }
        String holder = existing.isEmpty() ? null : holder(existing.get());
        if (existing.isPresent() && holder.isEmpty() && Marks.recorded(CLAIM_MADE)) {
            // An earlier attempt of this step made it and died before writing the ID.
            existing.get().writeSmall(us);
            return;
        }
        if (!us.equals(holder)) {
            throw Failures.nonRetryable("another migration, workflow " + (holder == null || holder.isEmpty()
                    ? "(none named: its claim is empty; if no migration to this target runs, delete the volume with"
                            + " 'virsh vol-delete " + name + " --pool " + pool.name() + "')" : holder)
                    + ", is moving a disk to " + plan.target() + " (it holds volume " + name + " of pool " + pool.name()
                    + "); nothing was changed: give this disk another target, or wait for that migration to end",
                    StepFailureType.TARGET_RESERVED);
        }
    }

    /** Gives up the plan's target, unless another migration holds it. */
    static void release(PlanVolumes volumes, MigrationPlan plan) throws LibvirtException {
        Optional<StorageVolume> claim = volumes.poolOf(plan.target()).volume(name(plan));
        if (claim.isPresent() && workflowId().equals(holder(claim.get()))) {
            claim.get().delete();
        }
    }

    /**
     * The workflow that holds the plan's target when it is not this one: its ID, a note saying so
     * for an empty claim (whose maker cannot be told), or null when the claim is ours or absent.
     */
    static String otherHolder(PlanVolumes volumes, MigrationPlan plan) throws LibvirtException {
        StoragePoolOnHost pool = volumes.poolOf(plan.target());
        pool.refresh();
        Optional<StorageVolume> claim = pool.volume(name(plan));
        if (claim.isEmpty()) {
            return null;
        }
        String holder = holder(claim.get());
        return workflowId().equals(holder) ? null : holder.isEmpty() ? "(unnamed: its claim is empty)" : holder;
    }

    /**
     * Notes in this migration's claim that the volume at {@code path} is not this migration's (a
     * step found it there and refused), so that the compensations, which delete what the step
     * would have made, leave it alone.
     */
    static void markForeign(PlanVolumes volumes, MigrationPlan plan, String path) throws LibvirtException {
        Optional<StorageVolume> claim = volumes.poolOf(plan.target()).volume(name(plan));
        if (claim.isPresent()) {
            String text = claim.get().readSmall().replace("\0", "").strip();
            if (text.lines().findFirst().orElse("").equals(workflowId())) {
                try {
                    claim.get().writeSmall(text + "\n" + FOREIGN + path + "\n");
                } catch (LibvirtException e) {
                    // A claim an older build made has room for the ID alone: the refusal still stands.
                    org.slf4j.LoggerFactory.getLogger(VolumeClaim.class).warn("could not note {} as not this"
                            + " migration's in its claim ({}); its compensation may delete it", path, e.getMessage());
                }
            }
        }
    }

    /** Whether this migration's claim notes that the volume at {@code path} is not its own. */
    static boolean isForeign(PlanVolumes volumes, MigrationPlan plan, String path) throws LibvirtException {
        Optional<StorageVolume> claim = volumes.poolOf(plan.target()).volume(name(plan));
        if (claim.isEmpty()) {
            return false;
        }
        List<String> lines = claim.get().readSmall().replace("\0", "").strip().lines().toList();
        return !lines.isEmpty() && lines.get(0).equals(workflowId()) && lines.contains(FOREIGN + path);
    }

    private static void deleteQuietly(StorageVolume claim) {
        try {
            claim.delete();
        } catch (LibvirtException e) {
            org.slf4j.LoggerFactory.getLogger(VolumeClaim.class).warn("could not delete the empty claim just made: {}",
                    e.getMessage());
        }
    }

    /** The claim's volume name for a migration to {@code target}. */
    static String name(String target) {
        return MigrationFiles.claimOn(Path.of(target)).getFileName().toString();
    }

    private static String name(MigrationPlan plan) {
        return name(plan.target());
    }

    /** The workflow ID a claim holds (its first line), or "" for an empty claim. */
    private static String holder(StorageVolume claim) throws LibvirtException {
        return claim.readSmall().replace("\0", "").strip().lines().findFirst().orElse("");
    }

    private static String workflowId() {
        return Activity.getExecutionContext().getInfo().getWorkflowId();
    }
}
