package io.blockshift.activities.agentless;

import static io.blockshift.activities.Failures.call;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.activities.migration.BlockJobSteps;
import io.blockshift.activities.migration.Layers;
import io.blockshift.activities.migration.StaleSnapshotMetadata;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of {@code MigrateDisk} on a host with no blockshift agent: every image is a volume of
 * one of the host's libvirt storage pools, made, cloned and deleted through libvirt's storage API,
 * and the block jobs are libvirt's as on any host. Nothing here opens, stats or deletes a path,
 * so the worker may run anywhere libvirt's URI reaches. Each step looks at what is already done
 * before it acts, as the local steps do.
 */
public final class AgentlessMigrationActivities implements MigrationActivities {

    private static final Logger log = LoggerFactory.getLogger(AgentlessMigrationActivities.class);

    private final LibvirtConnections libvirt;
    private final String host;
    private final AgentlessPreflight preflight;

    /**
     * The steps for host {@code host}, whose libvirt is at {@code connectUri}, making B only in the
     * storage pools whose directory is under one of {@code storageRoots} (the worker's
     * {@code --storage-root}s, read as the host's paths).
     */
    public AgentlessMigrationActivities(LibvirtConnections libvirt, String host, String connectUri,
            StorageRoots storageRoots) {
        this.libvirt = libvirt;
        this.host = host;
        this.preflight = new AgentlessPreflight(libvirt, host, connectUri, storageRoots.roots());
    }

    @Override
    public MigrationPlan preflight(MigrateDiskRequest request) {
        return call(() -> preflight.plan(request));
    }

    // ---------------------------------------------------------------- step 1: snapshot A <- A'

    @Override
    public void snapshot(MigrationPlan plan) {
        call(() -> {
            PlanVolumes volumes = volumes(plan);
            VolumeClaim.take(volumes, plan);
            Guest guest = guest(plan);
            Layer layer = Layers.of(guest, plan);
            if (layer == Layer.TOP) {
                log.info("snapshot: {} already runs on {}", plan.diskTarget(), plan.top());
                return null;
            }
            Layers.require(layer, Layer.SOURCE, plan, "take the snapshot");
            refuseIfMadeSincePreflight(volumes, plan.target(), plan.overlay());
            Optional<StorageVolume> top = volumes.volume(plan.top(), true);
            if (top.isPresent()) {
                // libvirt will not snapshot onto an existing file. An attempt whose libvirtd died before
                // switching the guest leaves an unused A' over A: ours only if this step recorded trying.
                if (!Marks.recorded(SNAPSHOT_STARTED) || !TopVolume.isUnusedOverlayOfSource(libvirt, top.get(), plan)) {
                    VolumeClaim.markForeign(volumes, plan, plan.top()); // the revert, the compensation, keeps it
                    throw Failures.nonRetryable(plan.top() + " appeared after preflight and is not an unused"
                            + " snapshot of " + plan.source() + " that an earlier attempt of this step began; blockshift"
                            + " never deletes a volume it cannot tell is its own. Find out what made it (another"
                            + " migration to " + plan.target() + "? 'virsh domblklist' of each VM), delete it with"
                            + " 'virsh vol-delete " + PlanVolumes.name(plan.top()) + " --pool "
                            + volumes.poolOf(plan.top()).name() + "' if nothing uses it, and start again",
                            StepFailureType.TOP_EXISTS);
                }
                log.info("snapshot: deleting {}, left by an earlier attempt whose snapshot did not finish", plan.top());
                top.get().delete();
            }
            Marks.record(SNAPSHOT_STARTED);
            guest.disk(plan.diskTarget()).snapshot(Path.of(plan.top()));
            log.info("snapshot: {} of {} on host {} now writes to {} over {}", plan.diskTarget(), plan.domainName(),
                    host, plan.top(), plan.source());
            return null;
        });
    }

    /** The snapshot step's heartbeat just before it asks libvirt for A': a retry may delete an unused A'. */
    private static final String SNAPSHOT_STARTED = "snapshot-started";

    /**
     * Refuses when B or B' exists now that the claim is held: preflight found neither, so one made
     * since is another's (a migration started apart from blockshift's claims, a hand), never ours.
     */
    private static void refuseIfMadeSincePreflight(PlanVolumes volumes, String... paths) throws LibvirtException {
        for (String path : paths) {
            if (volumes.volume(path, true).isPresent()) {
                throw Failures.refuse(path + " appeared after preflight; blockshift never deletes or overwrites a"
                        + " volume it did not make, and nothing was changed. Find out what made it ('virsh domblklist'"
                        + " of each VM), delete it with 'virsh vol-delete " + PlanVolumes.name(path) + " --pool "
                        + volumes.poolOf(path).name() + "' if nothing uses it, or choose another target");
            }
        }
    }

    @Override
    public void revertSnapshot(MigrationPlan plan) {
        call(() -> {
            PlanVolumes volumes = volumes(plan);
            String other = VolumeClaim.otherHolder(volumes, plan);
            if (other != null) {
                // The snapshot failed taking the claim: A' by this name, if any, is that migration's.
                log.warn("revert: nothing to undo: workflow {} holds the claim on {}, so {} and the guest's layers are"
                        + " its own", other, plan.target(), plan.top());
                return null;
            }
            Guest guest = guest(plan);
            Layer layer = Layers.of(guest, plan);
            if (layer == Layer.TOP) {
                BlockJobSteps.commitBackToSource(guest, plan);
                log.info("revert: committed {} back into {}; the guest runs on {} alone", plan.top(), plan.source(),
                        plan.source());
            } else {
                Layers.require(layer, Layer.SOURCE, plan, "revert the snapshot");
            }
            Optional<StorageVolume> top = volumes.volume(plan.top(), true);
            if (top.isPresent() && VolumeClaim.isForeign(volumes, plan, plan.top())) {
                log.warn("revert: leaving {}: the snapshot found it there and could not tell it is this migration's",
                        plan.top());
            } else if (top.isPresent() && !TopVolume.isUnusedOverlayOfSource(libvirt, top.get(), plan)) {
                log.warn("revert: leaving {}: it is not an unused qcow2 snapshot of {}, so not provably this"
                        + " migration's", plan.top(), plan.source());
            } else {
                UnusedVolumes.delete(guest, volumes, plan.top());
            }
            VolumeClaim.release(volumes, plan);
            return null;
        });
    }

    // ---------------------------------------------------------------- step 2: clone A to B

    @Override
    public CloneReport cloneBase(MigrationPlan plan) {
        return call(() -> VolumeClone.clone(guest(plan), volumes(plan), plan));
    }

    @Override
    public void deleteBase(MigrationPlan plan) {
        call(() -> deleteOwn(plan, plan.target()));
    }

    /** Deletes the step's volume at {@code path} unless the step found it there and refused it as another's. */
    private List<String> deleteOwn(MigrationPlan plan, String path) throws LibvirtException {
        PlanVolumes volumes = volumes(plan);
        if (VolumeClaim.isForeign(volumes, plan, path)) {
            log.warn("compensation: leaving {}: the step found it there, not made by this migration", path);
            return List.of();
        }
        return UnusedVolumes.delete(guest(plan), volumes, path);
    }

    // ---------------------------------------------------------------- step 3: overlay B <- B'

    @Override
    public void createOverlay(MigrationPlan plan) {
        call(() -> {
            PlanVolumes volumes = volumes(plan);
            Optional<StorageVolume> existing = volumes.volume(plan.overlay(), true);
            if (existing.isPresent()) {
                if (plan.target().equals(existing.get().info().backingPath())) {
                    // The snapshot found no B' once the claim was held: one over B since is this step's.
                    log.info("overlay: {} already exists over {}", plan.overlay(), plan.target());
                    return null;
                }
                VolumeClaim.markForeign(volumes, plan, plan.overlay()); // deleteOverlay, the compensation, keeps it
                throw Failures.refuse(plan.overlay() + " exists and is not an overlay of " + plan.target()
                        + ", so not this migration's; blockshift never deletes a volume it did not make. Find out what"
                        + " made it, delete it with 'virsh vol-delete " + PlanVolumes.name(plan.overlay()) + " --pool "
                        + volumes.poolOf(plan.overlay()).name() + "' if nothing uses it, and start again");
            }
            StorageXml.VolumeInfo a = volumes.volume(plan.source(), false).orElseThrow(() -> new IllegalStateException(
                    plan.source() + " is no volume of its pool any more")).info();
            volumes.poolOf(plan.overlay()).create(StorageXml.newOverlay(PlanVolumes.name(plan.overlay()), a.capacity(),
                    plan.target(), plan.sourceFormat(), a.permissions()));
            log.info("overlay: created {} over {} ({}) through libvirt", plan.overlay(), plan.target(), plan.sourceFormat());
            return null;
        });
    }

    @Override
    public void deleteOverlay(MigrationPlan plan) {
        call(() -> deleteOwn(plan, plan.overlay()));
    }

    // ---------------------------------------------------------------- steps 4 and 5: libvirt's block jobs

    @Override
    public BlockJobReport mirrorToOverlay(MigrationPlan plan) {
        return call(() -> BlockJobSteps.mirror(guest(plan), plan));
    }

    @Override
    public void abortMirror(MigrationPlan plan) {
        call(() -> {
            BlockJobSteps.abortMirror(guest(plan), plan);
            return null;
        });
    }

    @Override
    public Layer activeLayer(MigrationPlan plan) {
        return call(() -> Layers.of(guest(plan), plan));
    }

    @Override
    public BlockJobReport commitOverlay(MigrationPlan plan) {
        return call(() -> BlockJobSteps.commit(guest(plan), plan));
    }

    // ---------------------------------------------------------------- step 6: clean up

    @Override
    public CleanupReport cleanup(MigrationPlan plan) {
        return call(() -> {
            Guest guest = guest(plan);
            PlanVolumes volumes = volumes(plan);
            Layers.require(Layers.of(guest, plan), Layer.TARGET, plan, "clean up");
            List<String> metadata = StaleSnapshotMetadata.remove(guest, plan);
            List<String> doomed = new ArrayList<>(List.of(plan.top(), plan.overlay()));
            List<String> kept = new ArrayList<>();
            String keepSource = plan.keepSource() ? "asked to"
                    : SourceUsers.whyKeep(libvirt, volumes, plan);
            if (keepSource == null) {
                doomed.add(plan.source());
            } else {
                kept.add(plan.source());
                if (!plan.keepSource()) {
                    log.warn("cleanup: keeping {}: {}", plan.source(), keepSource);
                }
            }
            List<String> deleted = UnusedVolumes.delete(guest, volumes, doomed.toArray(String[]::new));
            VolumeClaim.release(volumes, plan);
            log.info("cleanup on host {}: deleted {}, kept {}, snapshot metadata removed {}", host, deleted, kept, metadata);
            return new CleanupReport(deleted, kept, metadata, List.of());
        });
    }

    // ---------------------------------------------------------------- a shut-off domain: refused by preflight

    @Override
    public void holdSource(MigrationPlan plan) {
        throw coldRefused(plan);
    }

    @Override
    public void releaseSource(MigrationPlan plan) {
        // Nothing to give up: holdSource never holds anything here.
    }

    @Override
    public void defineOnTarget(MigrationPlan plan) {
        throw coldRefused(plan);
    }

    private RuntimeException coldRefused(MigrationPlan plan) {
        return Failures.refuse("domain " + plan.domainName() + " is shut off: agentless host " + host
                + " moves running and paused VMs only; start it, or run a worker on the host itself");
    }

    private Guest guest(MigrationPlan plan) throws LibvirtException {
        return libvirt.guest(plan.connectUri(), plan.domainUuid());
    }

    private PlanVolumes volumes(MigrationPlan plan) throws LibvirtException {
        return PlanVolumes.of(libvirt, plan);
    }
}
