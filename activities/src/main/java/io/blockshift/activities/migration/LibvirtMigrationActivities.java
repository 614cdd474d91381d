package io.blockshift.activities.migration;

import static io.blockshift.activities.Failures.call;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.FileOwnership;
import io.blockshift.activities.files.QemuImg;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.HostDomains;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.UnneededBacking;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of {@code MigrateDisk} against libvirt and the files on this host, each beside its
 * compensation. Each looks at what is already done before it acts, so a retry after a crash picks
 * up where the last attempt was.
 */
public final class LibvirtMigrationActivities implements MigrationActivities {

    private static final Logger log = LoggerFactory.getLogger(LibvirtMigrationActivities.class);

    private final LibvirtConnections libvirt;
    private final Preflight preflight;
    private final ClonePublisher clones;
    private final ColdMove cold = new ColdMove();

    public LibvirtMigrationActivities(LibvirtConnections libvirt, StorageRoots roots, Cloners cloners) {
        this.libvirt = libvirt;
        this.preflight = new Preflight(libvirt, roots, cloners);
        this.clones = new ClonePublisher(cloners);
    }

    @Override
    public MigrationPlan preflight(MigrateDiskRequest request) {
        return call(() -> preflight.plan(request));
    }

    // ---------------------------------------------------------------- step 1: snapshot A <- A'

    @Override
    public void snapshot(MigrationPlan plan) {
        call(() -> {
            TargetClaim.take(plan);
            Guest guest = guest(plan);
            Layer layer = Layers.of(guest, plan);
            if (layer == Layer.TOP) {
                log.info("snapshot: {} already runs on {}", plan.diskTarget(), plan.top());
                return null;
            }
            Layers.require(layer, Layer.SOURCE, plan, "take the snapshot");
            Path top = Path.of(plan.top());
            if (Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
                // libvirt will not snapshot onto an existing file, so a retry removes what an attempt
                // left whose snapshot libvirt did not finish (libvirtd died before switching the guest
                // onto it). Preflight refused an A' that existed then, but something else may have
                // made one since: a migration of another disk to the same target, a hand.
                HostDomains host = new HostDomains(libvirt.connect(plan.connectUri()));
                if (!TopImage.isUnfinishedSnapshotOfSource(plan, host)) {
                    throw Failures.nonRetryable(top + " appeared after preflight and is not an "
                            + "empty, unused snapshot of " + plan.source() + "; blockshift never deletes a file it did "
                            + "not make. Find out what made it (another migration to " + plan.target()
                            + "? 'virsh domblklist' of each VM), remove it if nothing uses it, and start again",
                            StepFailureType.TOP_EXISTS);
                }
                log.info("snapshot: removing {}, left by an earlier attempt whose snapshot did not finish", top);
                Files.delete(top);
            }
            guest.disk(plan.diskTarget()).snapshot(top);
            log.info("snapshot: {} of {} now writes to {} over {}", plan.diskTarget(), plan.domainName(), plan.top(),
                    plan.source());
            return null;
        });
    }

    @Override
    public void revertSnapshot(MigrationPlan plan) {
        call(() -> {
            String other = TargetClaim.otherHolder(plan);
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
                Path top = Path.of(plan.top());
                if (Files.exists(top, LinkOption.NOFOLLOW_LINKS) && !TopImage.isOverlayOfSource(plan)) {
                    log.warn("revert: leaving {}: it is not a snapshot of {}, so not this migration's", top, plan.source());
                    TargetClaim.release(plan);
                    return null;
                }
            }
            UnusedFiles.delete(guest, plan.top());
            TargetClaim.release(plan);
            return null;
        });
    }

    // ---------------------------------------------------------------- step 2: clone A to B

    @Override
    public CloneReport cloneBase(MigrationPlan plan) {
        return call(() -> clones.cloneAndPublish(plan));
    }

    @Override
    public void deleteBase(MigrationPlan plan) {
        call(() -> {
            List<String> deleted = UnusedFiles.delete(guest(plan), plan.partialTarget(), plan.target());
            if (plan.hasBacking() && plan.chain() == ChainMode.COPY) {
                ChainUsers users = ChainUsers.scan(libvirt.connect(plan.connectUri()));
                deleted.addAll(LayerCopies.deleteOwn(plan, users::of));
            }
            return deleted;
        });
    }

    // ---------------------------------------------------------------- step 3: overlay B <- B'

    @Override
    public void createOverlay(MigrationPlan plan) {
        call(() -> {
            Path overlay = Path.of(plan.overlay());
            Path scratch = MigrationFiles.overlayScratch(plan);
            if (Files.exists(overlay) && plan.target().equals(QemuImg.backingFile(overlay))) {
                if (Files.exists(scratch) && Files.isSameFile(scratch, overlay)) {
                    Files.delete(scratch); // an earlier attempt linked B' into place and died before removing this name
                }
                log.info("overlay: {} already exists over {}", overlay, plan.target());
                return null;
            }
            // qemu-img create replaces an existing file: create under a scratch name, then link into place.
            Files.deleteIfExists(scratch);
            QemuImg.createOverlay(scratch, Path.of(plan.target()), plan.sourceFormat());
            FileOwnership.copy(Path.of(plan.source()), scratch);
            Files.deleteIfExists(overlay);
            Files.createLink(overlay, scratch);
            Files.delete(scratch);
            log.info("overlay: created {} over {} ({})", overlay, plan.target(), plan.sourceFormat());
            return null;
        });
    }

    @Override
    public void deleteOverlay(MigrationPlan plan) {
        call(() -> UnusedFiles.delete(guest(plan), MigrationFiles.overlayScratch(plan).toString(), plan.overlay()));
    }

    // ---------------------------------------------------------------- step 4: mirror A' into B', pivot

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

    // ---------------------------------------------------------------- step 5: commit B' into B, pivot

    @Override
    public BlockJobReport commitOverlay(MigrationPlan plan) {
        return call(() -> {
            BlockJobReport report = BlockJobSteps.commit(guest(plan), plan);
            // Past the point of no return: this migration's copies of backing images are finished and shared now.
            LayerCopies.release(plan);
            return report;
        });
    }

    // ---------------------------------------------------------------- step 6: clean up

    @Override
    public CleanupReport cleanup(MigrationPlan plan) {
        return call(() -> {
            Guest guest = guest(plan);
            Layers.require(Layers.of(guest, plan), Layer.TARGET, plan, "clean up");
            List<String> kept = new ArrayList<>();
            List<String> metadata = StaleSnapshotMetadata.remove(guest, plan);
            List<String> doomed = new ArrayList<>(List.of(plan.top(), plan.overlay(),
                    MigrationFiles.overlayScratch(plan).toString(), plan.partialTarget()));
            String keepSource = plan.keepSource() ? "asked to"
                    : ChainUsers.whyKeep(libvirt.connect(plan.connectUri()), plan.source(), plan.domainName());
            if (keepSource == null) {
                doomed.add(plan.source());
            } else {
                kept.add(plan.source());
                if (!plan.keepSource()) {
                    log.warn("cleanup: keeping {}: {}", plan.source(), keepSource);
                }
            }
            List<String> deleted = UnusedFiles.delete(guest, doomed.toArray(String[]::new));
            LayerCopies.release(plan);
            List<UnneededBacking> unneeded = BackingRelease.release(plan, libvirt.connect(plan.connectUri()));
            TargetClaim.release(plan);
            log.info("cleanup: deleted {}, kept {}, snapshot metadata removed {}", deleted, kept, metadata);
            return new CleanupReport(deleted, kept, metadata, unneeded);
        });
    }

    // ---------------------------------------------------------------- a shut-off domain: hold A, clone, define

    @Override
    public void holdSource(MigrationPlan plan) {
        call(() -> {
            cold.holdSource(guest(plan), plan);
            return null;
        });
    }

    @Override
    public void releaseSource(MigrationPlan plan) {
        call(() -> {
            cold.releaseSource(plan);
            return null;
        });
    }

    @Override
    public void defineOnTarget(MigrationPlan plan) {
        call(() -> {
            cold.defineOnTarget(guest(plan), plan);
            return null;
        });
    }

    private Guest guest(MigrationPlan plan) throws LibvirtException {
        return libvirt.guest(plan.connectUri(), plan.domainUuid());
    }
}
