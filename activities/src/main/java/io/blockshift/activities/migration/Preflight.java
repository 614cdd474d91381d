package io.blockshift.activities.migration;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.Movability;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.LibvirtErrors;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a request against the domain, the files and this worker before anything changes, and
 * resolves it into the {@link MigrationPlan} every later step follows. Only reads; whatever it
 * finds wrong it refuses with a message that names the problem and the fix.
 */
final class Preflight {

    private static final Logger log = LoggerFactory.getLogger(Preflight.class);

    private final LibvirtConnections libvirt;
    private final StorageRoots roots;
    private final Cloners cloners;

    Preflight(LibvirtConnections libvirt, StorageRoots roots, Cloners cloners) {
        this.libvirt = libvirt;
        this.roots = roots;
        this.cloners = cloners;
    }

    MigrationPlan plan(MigrateDiskRequest request) throws IOException, LibvirtException, InterruptedException {
        Path target = Path.of(request.target);
        if (!target.isAbsolute()) {
            throw refuse("target '" + request.target + "' is a relative path: give an absolute path such as "
                    + roots.roots().get(0).resolve(target.getFileName()));
        }
        target = target.normalize();
        Guest guest = lookUp(request.connectUri, request.domain);
        boolean inactive = DomainStates.movesCold(guest);
        List<Disk> disks = inactive ? guest.persistentDisks() : guest.liveDisks();
        Disk disk = Disk.find(disks, request.disk).orElseThrow(() -> refuse("domain " + guest.name()
                + " has no disk '" + request.disk + "'; its disks are "
                + disks.stream().map(d -> d.target() + " (" + d.source() + ")").collect(Collectors.joining(", "))));
        String unmovable = Movability.whyNot(guest.name(), disk, inactive ? Movability.JOBS_NOT_ASKED
                : d -> d.hasMirror() || guest.disk(d.target()).blockJob().isPresent(), true);
        if (unmovable != null) {
            throw refuse(unmovable);
        }
        Path source = Path.of(disk.source());
        checkTarget(target, source);
        long allocated = guest.disk(disk.target()).allocation();
        ChainMode chain = request.chainMode() == null ? ChainMode.COPY : request.chainMode();
        List<BackingLayer> backing = ChainPreflight.backing(
                "disk " + disk.target() + " of " + guest.name(), source, chain, target, roots);
        checkSpace(target, allocated + ChainPreflight.bytesToCopy(chain, backing));
        Cloners.Choice choice;
        try {
            choice = cloners.choose(request.cloner, source, target.getParent());
        } catch (IllegalArgumentException e) {
            throw refuse(e.getMessage());
        }
        MigrationFiles files = MigrationFiles.beside(target);
        MigrationPlan plan = new MigrationPlan(
                request.connectUri, guest.name(), guest.uuid(), guest.isPersistent(), disk.target(),
                source.toString(), disk.format() == null ? "raw" : disk.format(),
                Files.size(source), allocated,
                files.top().toString(), target.toString(), files.partial().toString(), files.overlay().toString(),
                choice.cloner().name(), choice.reason(),
                request.bandwidthMiBps << 20, request.keepSource, request.verify,
                chain, backing, request.deleteUnusedBacking, request.convergenceSeconds, inactive);
        log.info("preflight passed: {} {} -> {} with cloner {} ({}), chain {} over {}{}", guest.name(), disk.target(), target,
                plan.cloner(), plan.clonerReason(), chain, backing, inactive ? ", shut off: a cold move" : "");
        return plan;
    }

    private Guest lookUp(String uri, String nameOrUuid) throws LibvirtException {
        try {
            return libvirt.guest(uri, nameOrUuid);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                throw refuse("no domain named '" + nameOrUuid + "' on " + uri
                        + "; 'virsh -c " + uri + " list --all' lists the domains there");
            }
            throw e;
        }
    }

    private void checkTarget(Path target, Path source) throws IOException {
        String unwritable = roots.whyNotWritable(target);
        if (unwritable != null) {
            throw refuse(unwritable);
        }
        Path realTarget = target.getParent().toRealPath().resolve(target.getFileName());
        if (target.equals(source) || (Files.exists(source) && realTarget.equals(source.toRealPath()))) {
            throw refuse("target " + target + " is the disk's current source: choose a path on the new storage");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse("target " + target + " already exists; blockshift never overwrites a file: choose another "
                    + "name or remove it first");
        }
        for (Path leftover : MigrationFiles.beside(target).all()) {
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
                    + " MiB (with the backing images it copies); free space on " + target.getParent() + " or choose another target");
        }
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }
}
