package io.blockshift.activities;

import io.blockshift.activities.files.QemuImg;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.BlockJob;
import io.blockshift.activities.libvirt.BlockJobFailedException;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.cloners.CloneException;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloner;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of {@code MigrateDisk} against libvirt and the files on this host. Each looks at what
 * is already done before it acts, so a retry after a crash picks up where the last attempt was.
 */
public final class LibvirtMigrationActivities implements MigrationActivities {

    private static final Logger log = LoggerFactory.getLogger(LibvirtMigrationActivities.class);
    private static final Duration XML_UPDATE = Duration.ofSeconds(10);
    private static final String TOP_SUFFIX = ".blockshift-top.qcow2";
    private static final String OVERLAY_SUFFIX = ".blockshift-overlay.qcow2";
    /** B' under its scratch name, before it is linked into place. */
    private static final String OVERLAY_SCRATCH_SUFFIX = OVERLAY_SUFFIX + ".new";
    private static final String PARTIAL_SUFFIX = ".blockshift-partial";
    /** Beside B while a migration works on it, holding that migration's workflow ID: see {@link #reserveTarget}. */
    private static final String RESERVATION_SUFFIX = ".blockshift-reserved";

    private final LibvirtConnections libvirt;
    private final StorageRoots roots;
    private final Cloners cloners;

    public LibvirtMigrationActivities(LibvirtConnections libvirt, StorageRoots roots, Cloners cloners) {
        this.libvirt = libvirt;
        this.roots = roots;
        this.cloners = cloners;
    }

    // ---------------------------------------------------------------- preflight

    @Override
    public MigrationPlan preflight(MigrateDiskRequest request) {
        return call(() -> {
            Path target = Path.of(request.target);
            if (!target.isAbsolute()) {
                throw refuse("target '" + request.target + "' is a relative path: give an absolute path such as "
                        + roots.roots().get(0).resolve(target.getFileName()));
            }
            target = target.normalize();
            Guest guest = lookUp(request.connectUri, request.domain);
            if (!guest.isRunning()) {
                throw refuse("domain " + guest.name() + " is not running: blockshift moves the disks of running VMs; "
                        + "start it with 'virsh start " + guest.name() + "', or copy a stopped VM's file and edit its XML");
            }
            List<Disk> disks = guest.liveDisks();
            Disk disk = Disk.find(disks, request.disk).orElseThrow(() -> refuse("domain " + guest.name()
                    + " has no disk '" + request.disk + "'; its disks are "
                    + disks.stream().map(d -> d.target() + " (" + d.source() + ")").collect(Collectors.joining(", "))));
            String what = "disk " + disk.target() + " of " + guest.name();
            if (!"disk".equals(disk.device())) {
                throw refuse(what + " is a " + disk.device() + ", not a disk: blockshift moves disks only");
            }
            if (!disk.isFile() || disk.source() == null) {
                throw refuse(what + " is a " + disk.type() + " disk (" + disk.source()
                        + "): blockshift moves file-backed disks only; move block and network disks with your storage's tools");
            }
            if (disk.hasMirror() || guest.blockJob(disk.target()).isPresent()) {
                throw refuse(what + " already has a block job running; wait for it to finish or end it with 'virsh blockjob "
                        + guest.name() + " " + disk.target() + " --abort'");
            }
            if (disk.hasBackingFile()) {
                throw refuse(what + " has a backing chain (" + disk.source() + " <- " + disk.backingFile()
                        + "): blockshift moves single-image disks; flatten it first with 'virsh blockpull "
                        + guest.name() + " " + disk.target() + " --wait'");
            }
            Path source = Path.of(disk.source());
            checkTarget(target, source);
            long allocated = guest.allocation(disk.target());
            checkSpace(target, allocated);
            Cloners.Choice choice;
            try {
                choice = cloners.choose(request.cloner, source, target.getParent());
            } catch (IllegalArgumentException e) {
                throw refuse(e.getMessage());
            }
            MigrationPlan plan = new MigrationPlan(
                    request.connectUri, guest.name(), guest.uuid(), guest.isPersistent(), disk.target(),
                    source.toString(), disk.format() == null ? "raw" : disk.format(),
                    Files.size(source), allocated,
                    sibling(target, TOP_SUFFIX).toString(), target.toString(),
                    sibling(target, PARTIAL_SUFFIX).toString(), sibling(target, OVERLAY_SUFFIX).toString(),
                    choice.cloner().name(), choice.reason(),
                    request.bandwidthMiBps << 20, request.keepSource, request.verify);
            log.info("preflight passed: {} {} -> {} with cloner {} ({})", guest.name(), disk.target(), target,
                    plan.cloner(), plan.clonerReason());
            return plan;
        });
    }

    private Guest lookUp(String uri, String nameOrUuid) throws LibvirtException {
        try {
            return libvirt.guest(uri, nameOrUuid);
        } catch (LibvirtException e) {
            if (Guest.isError(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                throw refuse("no domain named '" + nameOrUuid + "' on " + uri
                        + "; 'virsh -c " + uri + " list --all' lists the domains there");
            }
            throw e;
        }
    }

    private void checkTarget(Path target, Path source) throws IOException {
        Path directory = target.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw refuse("the target's directory " + directory + " does not exist; create it first (mkdir -p "
                    + directory + ")");
        }
        if (!roots.contains(target)) {
            throw refuse("target " + target + " (" + directory.toRealPath().resolve(target.getFileName())
                    + " once links are resolved) is outside this worker's storage roots (" + roots
                    + "); choose a target inside them or start the worker with --storage-root "
                    + directory.toRealPath());
        }
        Path realTarget = directory.toRealPath().resolve(target.getFileName());
        if (target.equals(source) || (Files.exists(source) && realTarget.equals(source.toRealPath()))) {
            throw refuse("target " + target + " is the disk's current source: choose a path on the new storage");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse("target " + target + " already exists; blockshift never overwrites a file: choose another "
                    + "name or remove it first");
        }
        for (String suffix : List.of(TOP_SUFFIX, OVERLAY_SUFFIX, OVERLAY_SCRATCH_SUFFIX, PARTIAL_SUFFIX, RESERVATION_SUFFIX)) {
            Path leftover = sibling(target, suffix);
            if (Files.exists(leftover, LinkOption.NOFOLLOW_LINKS)) {
                throw refuse(leftover + " already exists (left by an earlier migration to " + target
                        + "?); make sure no VM uses it ('virsh domblklist'), remove it, and start again");
            }
        }
    }

    private static void checkSpace(Path target, long needed) throws IOException {
        long usable = Files.getFileStore(target.getParent()).getUsableSpace();
        if (usable < needed) {
            throw refuse("the target's filesystem has " + mib(usable) + " MiB free but the disk allocates " + mib(needed)
                    + " MiB; free space on " + target.getParent() + " or choose another target");
        }
    }

    // ---------------------------------------------------------------- step 1

    @Override
    public void snapshot(MigrationPlan plan) {
        call(() -> {
            reserveTarget(plan);
            Guest guest = guest(plan);
            Layer layer = layerOf(guest, plan);
            if (layer == Layer.TOP) {
                log.info("snapshot: {} already runs on {}", plan.diskTarget(), plan.top());
                return null;
            }
            requireLayer(layer, Layer.SOURCE, plan, "take the snapshot");
            Path top = Path.of(plan.top());
            if (Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
                // libvirt will not snapshot onto an existing file, so a retry removes what an attempt
                // left whose snapshot libvirt did not finish (libvirtd died before switching the guest
                // onto it). Preflight refused an A' that existed then, but something else may have
                // made one since: a migration of another disk to the same target, a hand.
                if (!isUnfinishedSnapshotOfSource(plan)) {
                    throw ApplicationFailure.newNonRetryableFailure(top + " appeared after preflight and is not an "
                            + "empty, unused snapshot of " + plan.source() + "; blockshift never deletes a file it did "
                            + "not make. Find out what made it (another migration to " + plan.target()
                            + "? 'virsh domblklist' of each VM), remove it if nothing uses it, and start again",
                            "TopExists");
                }
                log.info("snapshot: removing {}, left by an earlier attempt whose snapshot did not finish", top);
                Files.delete(top);
            }
            guest.snapshot(plan.diskTarget(), top);
            log.info("snapshot: {} of {} now writes to {} over {}", plan.diskTarget(), plan.domainName(), plan.top(),
                    plan.source());
            return null;
        });
    }

    /** Whether A' is a qcow2 whose backing file is A, as the snapshot makes it (and a commit back leaves it). */
    private static boolean isOverlayOfSource(MigrationPlan plan) throws IOException, InterruptedException {
        Path top = Path.of(plan.top());
        return Files.isRegularFile(top, LinkOption.NOFOLLOW_LINKS) && plan.source().equals(QemuImg.backingFile(top));
    }

    /**
     * Whether A' is what a snapshot libvirt did not finish leaves: an overlay of A that holds
     * nothing of its own and that no domain uses. Anything else there is not ours to delete.
     */
    private boolean isUnfinishedSnapshotOfSource(MigrationPlan plan)
            throws IOException, InterruptedException, LibvirtException {
        Path top = Path.of(plan.top());
        return isOverlayOfSource(plan) && !QemuImg.hasDataOfItsOwn(top)
                && Guest.domainsUsing(libvirt.connect(plan.connectUri()), plan.top()).isEmpty();
    }

    @Override
    public void revertSnapshot(MigrationPlan plan) {
        call(() -> {
            Guest guest = guest(plan);
            Layer layer = layerOf(guest, plan);
            if (layer == Layer.TOP) {
                guest.abortJob(plan.diskTarget());
                heartbeat();
                guest.commitActive(plan.diskTarget(), 0);
                awaitReadyAndPivot(guest, plan, "revert", plan.source());
                log.info("revert: committed {} back into {}; the guest runs on {} alone", plan.top(), plan.source(),
                        plan.source());
            } else {
                requireLayer(layer, Layer.SOURCE, plan, "revert the snapshot");
                Path top = Path.of(plan.top());
                if (Files.exists(top, LinkOption.NOFOLLOW_LINKS) && !isOverlayOfSource(plan)) {
                    log.warn("revert: leaving {}: it is not a snapshot of {}, so not this migration's", top, plan.source());
                    releaseTarget(plan);
                    return null;
                }
            }
            deleteUnused(guest, plan.top());
            releaseTarget(plan);
            return null;
        });
    }

    // ---------------------------------------------------------------- step 2

    @Override
    public CloneReport cloneBase(MigrationPlan plan) {
        return call(() -> {
            ActivityExecutionContext context = Activity.getExecutionContext();
            Path source = Path.of(plan.source());
            Path target = Path.of(plan.target());
            Path partial = Path.of(plan.partialTarget());
            Cloner cloner = cloners.all().get(plan.cloner());
            if (cloner == null) {
                throw ApplicationFailure.newNonRetryableFailure("cloner '" + plan.cloner()
                        + "' is not on this worker's classpath; known: " + cloners.names(), "UnknownCloner");
            }
            if (Files.exists(partial) && Files.exists(target) && Files.isSameFile(partial, target)) {
                Files.delete(partial); // an earlier attempt published B and died before removing this second name
            }
            if (Files.exists(target) && !Files.exists(partial)) {
                // An earlier attempt published B and died before reporting: report what it would have.
                log.info("clone: {} was already cloned by an earlier attempt; checksumming it again", target);
                CloneResult result = recheck(cloner, new CloneRequest(source, target, 0, 0, plan.verify()), context);
                return new CloneReport(result.cloner(), plan.clonerReason(), result.size(), 0, 0,
                        result.checksumAlgorithm(), result.sourceChecksum(), result.targetChecksum());
            }
            long resumeFrom = context.getHeartbeatDetails(StepProgress.class)
                    .filter(p -> Files.exists(partial))
                    .map(StepProgress::resumeOffset).orElse(0L);
            if (resumeFrom == 0) {
                Files.deleteIfExists(partial);
            }
            CloneRequest request = new CloneRequest(source, partial, plan.bandwidthBytesPerSecond(), resumeFrom, plan.verify());
            log.info("clone: {} -> {} with {}{}", source, target, cloner.name(),
                    resumeFrom > 0 ? " resuming at byte " + resumeFrom : "");
            CloneResult result;
            try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context,
                    new StepProgress("clone", resumeFrom, resumeFrom, resumeFrom))) {
                result = cloner.clone(request, (offset, done, total) ->
                        alive.heartbeat(new StepProgress("clone", resumeFrom + done, resumeFrom + total, offset)));
            } catch (CloneException e) {
                // A file that took the partial target's place is not ours to delete.
                if (e.kind() != CloneException.Kind.TARGET_EXISTS && (!e.retryable()
                        || e.kind() == CloneException.Kind.VERIFICATION_FAILED)) {
                    // Nothing to resume from: a wrong copy starts over, a hopeless one leaves nothing.
                    Files.deleteIfExists(partial);
                }
                if (!e.retryable()) {
                    throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), "Clone" + e.kind(), e);
                }
                throw e;
            } catch (ActivityCompletionException canceled) {
                Files.deleteIfExists(partial);
                throw canceled;
            }
            copyOwnership(source, partial);
            // A hard link publishes B atomically and never replaces a file that appeared meanwhile.
            Files.createLink(target, partial);
            Files.delete(partial);
            log.info("clone: {} bytes copied, {} {}", result.bytesCopied(), result.checksumAlgorithm(),
                    result.targetChecksum());
            return new CloneReport(result.cloner(), plan.clonerReason(), result.size(), result.bytesCopied(), resumeFrom,
                    result.checksumAlgorithm(), result.sourceChecksum(), result.targetChecksum());
        });
    }

    private static CloneResult recheck(Cloner cloner, CloneRequest request, ActivityExecutionContext context)
            throws IOException {
        try {
            return cloner.recheck(request, (offset, done, total) ->
                    context.heartbeat(new StepProgress("clone", done, total, offset)));
        } catch (CloneException e) {
            if (e.kind() == CloneException.Kind.VERIFICATION_FAILED) {
                // A retry would only read the same two files again: B was checked against A before
                // it was published, so a mismatch now is no passing fault. Failing lets the rollback
                // delete B (deleteBase): preflight found no file at B, so it is this migration's copy.
                // No cause attached: the workflow reports the innermost failure's message, and this one says more.
                throw ApplicationFailure.newNonRetryableFailure(request.target()
                        + ", published by an earlier attempt of this step, no longer matches " + request.source()
                        + " (" + e.getMessage() + "); the migration rolls back and deletes it. Check the storage under "
                        + request.target().getParent() + " (dmesg, the filesystem's errors), then start the migration again",
                        "Clone" + e.kind());
            }
            if (!e.retryable()) {
                throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), "Clone" + e.kind(), e);
            }
            throw e;
        }
    }

    @Override
    public void deleteBase(MigrationPlan plan) {
        call(() -> {
            Guest guest = guest(plan);
            deleteUnused(guest, plan.partialTarget(), plan.target());
            return null;
        });
    }

    // ---------------------------------------------------------------- step 3

    @Override
    public void createOverlay(MigrationPlan plan) {
        call(() -> {
            Path overlay = Path.of(plan.overlay());
            Path scratch = overlayScratch(plan);
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
            copyOwnership(Path.of(plan.source()), scratch);
            Files.deleteIfExists(overlay);
            Files.createLink(overlay, scratch);
            Files.delete(scratch);
            log.info("overlay: created {} over {} ({})", overlay, plan.target(), plan.sourceFormat());
            return null;
        });
    }

    @Override
    public void deleteOverlay(MigrationPlan plan) {
        call(() -> {
            Guest guest = guest(plan);
            deleteUnused(guest, overlayScratch(plan).toString(), plan.overlay());
            return null;
        });
    }

    // ---------------------------------------------------------------- step 4

    @Override
    public BlockJobReport mirrorToOverlay(MigrationPlan plan) {
        return call(() -> {
            Guest guest = guest(plan);
            Layer layer = layerOf(guest, plan);
            if (layer == Layer.OVERLAY || layer == Layer.TARGET) {
                return new BlockJobReport("copy", 0, 0, 0, true);
            }
            requireLayer(layer, Layer.TOP, plan, "mirror onto the overlay");
            boolean resumed = guest.blockJob(plan.diskTarget()).isPresent();
            if (!resumed) {
                guest.copyShallow(plan.diskTarget(), Path.of(plan.overlay()), "qcow2", plan.bandwidthBytesPerSecond(),
                        plan.persistent());
            }
            return awaitReadyAndPivot(guest, plan, "mirror", plan.overlay()).resumed(resumed);
        });
    }

    @Override
    public void abortMirror(MigrationPlan plan) {
        call(() -> {
            Guest guest = guest(plan);
            if (layerOf(guest, plan) == Layer.TOP) {
                heartbeat();
                guest.abortJob(plan.diskTarget());
            }
            return null;
        });
    }

    @Override
    public Layer activeLayer(MigrationPlan plan) {
        return call(() -> layerOf(guest(plan), plan));
    }

    // ---------------------------------------------------------------- step 5

    @Override
    public BlockJobReport commitOverlay(MigrationPlan plan) {
        return call(() -> {
            Guest guest = guest(plan);
            Layer layer = layerOf(guest, plan);
            if (layer == Layer.TARGET) {
                return new BlockJobReport("active-commit", 0, 0, 0, true);
            }
            requireLayer(layer, Layer.OVERLAY, plan, "commit the overlay");
            boolean resumed = guest.blockJob(plan.diskTarget()).isPresent();
            if (!resumed) {
                guest.commitActive(plan.diskTarget(), plan.bandwidthBytesPerSecond());
            }
            BlockJobReport report = awaitReadyAndPivot(guest, plan, "commit", plan.target()).resumed(resumed);
            Disk disk = guest.liveDisk(plan.diskTarget());
            if (disk.hasBackingFile()) {
                throw new IllegalStateException("after the commit " + plan.target() + " still has a backing file "
                        + disk.backingFile());
            }
            return report;
        });
    }

    // ---------------------------------------------------------------- step 6

    @Override
    public CleanupReport cleanup(MigrationPlan plan) {
        return call(() -> {
            Guest guest = guest(plan);
            requireLayer(layerOf(guest, plan), Layer.TARGET, plan, "clean up");
            List<String> kept = new ArrayList<>();
            List<String> metadata = new ArrayList<>();
            for (String path : List.of(plan.top(), plan.overlay())) {
                for (String snapshot : guest.snapshotsMentioning(path)) {
                    heartbeat();
                    guest.deleteSnapshotMetadata(snapshot);
                    metadata.add(snapshot);
                }
            }
            List<String> doomed = new ArrayList<>(List.of(plan.top(), plan.overlay(), overlayScratch(plan).toString(),
                    plan.partialTarget()));
            if (plan.keepSource()) {
                kept.add(plan.source());
            } else {
                doomed.add(plan.source());
            }
            List<String> deleted = deleteUnused(guest, doomed.toArray(String[]::new));
            releaseTarget(plan);
            log.info("cleanup: deleted {}, kept {}, snapshot metadata removed {}", deleted, kept, metadata);
            return new CleanupReport(deleted, kept, metadata);
        });
    }

    // ---------------------------------------------------------------- shared

    private BlockJobReport awaitReadyAndPivot(Guest guest, MigrationPlan plan, String step, String pivotOnto)
            throws LibvirtException, InterruptedException {
        ActivityExecutionContext context = Activity.getExecutionContext();
        long start = System.nanoTime();
        BlockJob ready;
        try {
            ready = guest.awaitReady(plan.diskTarget(),
                    job -> context.heartbeat(new StepProgress(step, job.cur(), job.end(), 0)));
        } catch (ActivityCompletionException canceled) {
            log.info("{}: canceled; ending the block job without pivoting", step);
            guest.abortJob(plan.diskTarget());
            throw canceled;
        }
        long millisToReady = (System.nanoTime() - start) / 1_000_000;
        int attempts = guest.pivot(plan.diskTarget());
        StepProgress pivoted = new StepProgress(step, ready.end(), ready.end(), 0);
        guest.awaitSource(plan.diskTarget(), pivotOnto, XML_UPDATE, () -> {
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

    private Guest guest(MigrationPlan plan) throws LibvirtException {
        return libvirt.guest(plan.connectUri(), plan.domainUuid());
    }

    private static Layer layerOf(Guest guest, MigrationPlan plan) throws LibvirtException {
        String source = guest.liveDisk(plan.diskTarget()).source();
        if (plan.source().equals(source)) {
            return Layer.SOURCE;
        } else if (plan.top().equals(source)) {
            return Layer.TOP;
        } else if (plan.overlay().equals(source)) {
            return Layer.OVERLAY;
        } else if (plan.target().equals(source)) {
            return Layer.TARGET;
        }
        return Layer.OTHER;
    }

    private static void requireLayer(Layer actual, Layer expected, MigrationPlan plan, String action) {
        if (actual != expected) {
            throw ApplicationFailure.newNonRetryableFailure("cannot " + action + ": disk " + plan.diskTarget() + " of "
                    + plan.domainName() + " runs on its " + actual.name().toLowerCase() + " layer, not its "
                    + expected.name().toLowerCase() + " layer; something else changed the disk during the migration",
                    "UnexpectedLayer");
        }
    }

    /**
     * Deletes files of ours, refusing any the domain (live or persistent) still uses.
     *
     * @return the ones that existed and were deleted
     */
    private static List<String> deleteUnused(Guest guest, String... paths) throws IOException, LibvirtException {
        Set<String> inUse = Stream.concat(guest.liveDisks().stream(), guest.persistentDisks().stream())
                .flatMap(d -> Stream.of(d.source(), d.backingFile()))
                .filter(p -> p != null)
                .collect(Collectors.toSet());
        for (String path : paths) {
            if (inUse.contains(path)) {
                throw ApplicationFailure.newNonRetryableFailure("refusing to delete " + path + ": domain " + guest.name()
                        + " still uses it", "InUse");
            }
        }
        List<String> deleted = new ArrayList<>();
        for (String path : paths) {
            heartbeat(); // unlinking a big file can take seconds
            if (Files.deleteIfExists(Path.of(path))) {
                deleted.add(path);
            }
        }
        return deleted;
    }

    /**
     * Tells Temporal this attempt is alive. The steps that run under a heartbeat timeout but report
     * no progress of their own call it between their libvirt calls and deletions: without it, one
     * that takes longer than the timeout is run again beside itself, and the second run's report
     * (what clean-up deleted) is wrong.
     */
    private static void heartbeat() {
        Activity.getExecutionContext().heartbeat(null);
    }

    private static void copyOwnership(Path from, Path to) throws IOException {
        Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid"));
        Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid"));
        Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
    }

    /** Where {@link #createOverlay} writes B' before linking it into place. */
    /**
     * Claims B's name for this migration before its first change: preflight found no B and none of
     * its working files, but reserves nothing, so a second migration given the same target (started
     * apart from any fleet, which refuses that itself) would otherwise take B, B' and A' for its own,
     * adopting or deleting the first one's files. Made with CREATE_NEW, so only one migration gets
     * it; a retry of this step finds its own workflow ID in it. Released when the migration ends
     * (clean-up, or the snapshot's revert, the last compensation).
     */
    private static void reserveTarget(MigrationPlan plan) throws IOException {
        Path reservation = sibling(Path.of(plan.target()), RESERVATION_SUFFIX);
        String us = Activity.getExecutionContext().getInfo().getWorkflowId();
        try {
            Files.writeString(reservation, us, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            String holder = Files.readString(reservation).strip();
            if (!holder.equals(us)) {
                throw ApplicationFailure.newNonRetryableFailure("another migration, workflow " + holder + ", is moving a"
                        + " disk to " + plan.target() + " (it holds " + reservation + "); nothing was changed: give this"
                        + " disk another target, or wait for that migration to end", "TargetReserved");
            }
        }
    }

    /** Gives up B's name (see {@link #reserveTarget}), unless another migration holds it. */
    private static void releaseTarget(MigrationPlan plan) throws IOException {
        Path reservation = sibling(Path.of(plan.target()), RESERVATION_SUFFIX);
        String us = Activity.getExecutionContext().getInfo().getWorkflowId();
        try {
            if (Files.readString(reservation).strip().equals(us)) {
                Files.delete(reservation);
            }
        } catch (NoSuchFileException released) {
            // Released by an earlier attempt, or never taken (a migration a build before this one began).
        }
    }

    private static Path overlayScratch(MigrationPlan plan) {
        return Path.of(plan.overlay() + ".new");
    }

    private static Path sibling(Path path, String suffix) {
        return path.resolveSibling(path.getFileName() + suffix);
    }

    private static ApplicationFailure refuse(String message) {
        return ApplicationFailure.newNonRetryableFailure(message, "Refused");
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    /** A step's body: may throw what libvirt, files and processes throw. */
    private interface Body<T> {
        T run() throws Exception;
    }

    /**
     * Runs a step, turning what it throws into what Temporal understands: refusals and other
     * {@link ApplicationFailure}s as they are, a cancel as it is, and anything else as a retryable
     * failure that names the cause.
     */
    private static <T> T call(Body<T> body) {
        try {
            return body.run();
        } catch (ApplicationFailure | ActivityCompletionException e) {
            throw e;
        } catch (LibvirtException e) {
            throw ApplicationFailure.newFailureWithCause("libvirt: " + e.getMessage(), "Libvirt", e);
        } catch (BlockJobFailedException e) {
            throw ApplicationFailure.newFailureWithCause(e.getMessage(), "BlockJobFailed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailureWithCause("interrupted", "Interrupted", e);
        } catch (Exception e) {
            throw ApplicationFailure.newFailureWithCause(e.getClass().getSimpleName() + ": " + e.getMessage(),
                    e.getClass().getSimpleName(), e);
        }
    }
}
