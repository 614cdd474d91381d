package io.blockshift.activities.agentless;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.Movability;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.HostStorage;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.LibvirtErrors;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.activities.migration.DomainStates;
import io.blockshift.activities.migration.MigrationFiles;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preflight for a host with no blockshift agent: everything is asked of libvirt (the domain, the
 * storage pools of A's and B's directories, A's volume, the pool's free space), nothing of the
 * files here. Only reads (a pool refresh rescans what libvirt lists); refuses, naming the fix.
 */
final class AgentlessPreflight {

    private static final Logger log = LoggerFactory.getLogger(AgentlessPreflight.class);

    private final LibvirtConnections libvirt;
    private final String host;
    private final String uri;
    private final HostPools pools;

    AgentlessPreflight(LibvirtConnections libvirt, String host, String uri, List<Path> storageRoots) {
        this.libvirt = libvirt;
        this.host = host;
        this.uri = uri;
        this.pools = new HostPools(host, uri, storageRoots);
    }

    MigrationPlan plan(MigrateDiskRequest request) throws LibvirtException {
        if (!uri.equals(request.connectUri)) {
            throw refuse("this worker reaches host " + host + " through " + uri + " but the request names connectUri '"
                    + request.connectUri + "'; give \"connectUri\": \"" + uri + "\", or send the request to the host"
                    + " whose libvirt that is");
        }
        Path target = Path.of(request.target);
        if (!target.isAbsolute() || target.getParent() == null) {
            throw refuse("target '" + request.target + "' is not an absolute path: give the path B will have on host "
                    + host + ", in one of its storage pools' directories");
        }
        target = target.normalize();
        String cloner = cloner(request.cloner);
        Guest guest = lookUp(request.domain);
        if (DomainStates.movesCold(guest)) {
            throw refuse("domain " + guest.name() + " is shut off: an agentless host moves running and paused VMs only"
                    + " (a shut-off VM's move holds QEMU's image lock on A, which needs a worker on the host); start"
                    + " it, or run 'blockshift worker --host " + host + "' on the host itself");
        }
        List<Disk> disks = guest.liveDisks();
        Disk disk = Disk.find(disks, request.disk).orElseThrow(() -> refuse("domain " + guest.name()
                + " has no disk '" + request.disk + "'; its disks are "
                + disks.stream().map(d -> d.target() + " (" + d.source() + ")").collect(Collectors.joining(", "))));
        String unmovable = Movability.whyNot(guest.name(), disk,
                d -> d.hasMirror() || guest.disk(d.target()).blockJob().isPresent());
        if (unmovable != null) {
            throw refuse(unmovable);
        }
        Path source = Path.of(disk.source());
        if (source.equals(target)) {
            throw refuse("target " + target + " is the disk's current source: choose a path on the new storage");
        }
        HostStorage storage = libvirt.storage(uri);
        StoragePoolOnHost sourcePool = pools.pool(storage, source.getParent(), "the disk's directory");
        sourcePool.refresh();
        StorageXml.VolumeInfo a = sourcePool.volume(PlanVolumes.name(source.toString())).orElseThrow(() -> refuse(
                "libvirt's pool " + sourcePool.name() + " lists no volume " + source.getFileName() + " after a refresh,"
                        + " yet domain " + guest.name() + " runs on " + source + "; check 'virsh vol-list "
                        + sourcePool.name() + "'")).info();
        if (a.backingPath() != null) {
            throw refuse("disk " + disk.target() + " of " + guest.name() + " has a backing chain (" + source + " <- "
                    + a.backingPath() + "): an agentless host moves single-image disks for now; flatten it first"
                    + " with 'virsh blockpull " + guest.name() + " " + disk.target() + " --wait'");
        }
        if ("qcow2".equals(disk.format()) || "qcow2".equals(a.format())) {
            refuseInternalSnapshots(guest, disk, source);
        }
        StoragePoolOnHost targetPool = pools.targetPool(storage, target.getParent(), "the target's directory");
        targetPool.refresh();
        MigrationFiles files = MigrationFiles.beside(target);
        for (Path taken : List.of(target, files.top(), files.overlay(), Path.of(target.getParent().toString(),
                VolumeClaim.name(target.toString())))) {
            if (targetPool.volume(taken.getFileName().toString()).isPresent()) {
                throw refuse(taken + " already exists (volume " + taken.getFileName() + " of pool " + targetPool.name()
                        + "); blockshift never overwrites a volume: choose another target, or, if it is left by an earlier"
                        + " migration and no VM uses it ('virsh domblklist'), 'virsh vol-delete " + taken.getFileName()
                        + " --pool " + targetPool.name() + "'");
            }
        }
        long available = targetPool.available();
        if (available < a.allocation()) {
            throw refuse("pool " + targetPool.name() + " has " + (available >> 20) + " MiB free but " + source
                    + " allocates " + (a.allocation() >> 20) + " MiB; free space there or choose another target");
        }
        String format = disk.format() == null ? "raw" : disk.format();
        if (request.verify && (!"raw".equals(format) || "qcow2".equals(a.format()))) {
            throw refuse("'verify' on agentless host " + host + " compares the bytes of raw images only, and " + source
                    + " is " + ("raw".equals(format) ? a.format() : format) + ": libvirt's copy (qemu-img convert) lays"
                    + " B's clusters out anew, so A's and B's files differ even when the guest sees the same disk;"
                    + " leave 'verify' out, or move the disk with a worker on the host");
        }
        MigrationPlan plan = new MigrationPlan(
                request.connectUri, guest.name(), guest.uuid(), guest.isPersistent(), disk.target(),
                source.toString(), format, format.equals("raw") ? a.capacity() : a.allocation(), a.allocation(),
                files.top().toString(), target.toString(), target.toString(), files.overlay().toString(),
                cloner, reason(cloner, request), request.bandwidthMiBps << 20, request.keepSource, request.verify,
                ChainMode.COPY, List.of(), false, request.convergenceSeconds, false);
        log.info("agentless preflight passed on host {}: {} {} -> {} (pool {} -> pool {}), libvirt's {} copy", host,
                guest.name(), disk.target(), target, sourcePool.name(), targetPool.name(), cloner);
        return plan;
    }

    /** The agentless cloner a request's {@code cloner} names: libvirt's copy can be sparse, full or a reflink. */
    private String cloner(String asked) {
        return switch (asked) {
            case "auto", VolumeClone.SPARSE -> VolumeClone.SPARSE;
            case VolumeClone.PLAIN -> VolumeClone.PLAIN;
            case VolumeClone.REFLINK -> VolumeClone.REFLINK;
            default -> throw refuse("cloner '" + asked + "' cannot run on agentless host " + host + ": libvirt copies"
                    + " the volume itself; choose auto, sparse, plain or reflink");
        };
    }

    private static String reason(String cloner, MigrateDiskRequest request) {
        String how = switch (cloner) {
            case VolumeClone.REFLINK -> "libvirt vol-clone with VIR_STORAGE_VOL_CREATE_REFLINK (a copy-on-write clone, or a failure)";
            case VolumeClone.PLAIN -> "libvirt vol-clone, fully allocated";
            default -> "libvirt vol-clone, sparse (zero blocks skipped)";
        };
        return how + (request.cloner.equals("auto") ? ", the agentless default" : ", as asked")
                + (request.bandwidthMiBps > 0 ? "; libvirt's copy has no bandwidth limit: bandwidthMiBps limits the block jobs only" : "");
    }

    /**
     * Refuses a qcow2 disk with internal snapshots: libvirt's copy (qemu-img convert) drops them and
     * clean-up deletes A, so they would be lost. libvirt shows only the ones made through it (its
     * snapshot metadata); ones made with qemu-img beside it are not visible here (README says so).
     */
    private void refuseInternalSnapshots(Guest guest, Disk disk, Path source) throws LibvirtException {
        Domain domain = libvirt.connect(uri).domainLookupByUUIDString(guest.uuid());
        for (String name : domain.snapshotListNames()) {
            String xml = domain.snapshotLookupByName(name).getXMLDesc();
            if (StorageXml.snapshotIsInternalFor(xml, disk.target(), source.toString())) {
                throw refuse("disk " + disk.target() + " of " + guest.name() + " (" + source + ") holds internal"
                        + " snapshot '" + name + "', which libvirt's copy would not carry to the target and clean-up"
                        + " would delete with A; see 'virsh snapshot-list " + guest.name() + "', and delete the"
                        + " snapshots you can do without ('virsh snapshot-delete " + guest.name() + " " + name + "')"
                        + " or move this disk with a worker on the host");
            }
        }
    }

    private Guest lookUp(String nameOrUuid) throws LibvirtException {
        try {
            return libvirt.guest(uri, nameOrUuid);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                throw refuse("no domain named '" + nameOrUuid + "' on host " + host + " (" + uri
                        + "); 'virsh -c " + uri + " list --all' lists the domains there");
            }
            throw e;
        }
    }
}
