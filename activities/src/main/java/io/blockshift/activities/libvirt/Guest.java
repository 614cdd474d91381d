package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtFlag.SNAPSHOT_DELETE_METADATA_ONLY;
import static io.blockshift.activities.libvirt.LibvirtFlag.XML_INACTIVE;
import static io.blockshift.activities.libvirt.LibvirtFlag.XML_SECURE;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.DomainSnapshot;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * A domain, seen from its disks: what it is, what its disks are, and its snapshot metadata. The
 * block operations on one disk are its {@link #disk(String) BlockDevice}; scans of every domain
 * on a host are {@link HostDomains}.
 */
public final class Guest {

    private final Connect connection;
    private final Domain domain;
    private final String name;
    private final String uuid;

    private Guest(Connect connection, Domain domain) throws LibvirtException {
        this.connection = connection;
        this.domain = domain;
        this.name = domain.getName();
        this.uuid = domain.getUUIDString();
    }

    /** The domain with this name or UUID; a libvirt VIR_ERR_NO_DOMAIN error when there is none. */
    static Guest lookUp(Connect connection, String nameOrUuid) throws LibvirtException {
        if (looksLikeUuid(nameOrUuid)) {
            try {
                return new Guest(connection, connection.domainLookupByUUIDString(nameOrUuid));
            } catch (LibvirtException e) {
                if (!LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                    throw e;
                }
            }
        }
        return new Guest(connection, connection.domainLookupByName(nameOrUuid));
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    public boolean isRunning() throws LibvirtException {
        return domain.isActive() == 1;
    }

    public boolean isPersistent() throws LibvirtException {
        return domain.isPersistent() == 1;
    }

    /** The disk with this target dev ({@code vda}), for block operations on it. */
    public BlockDevice disk(String target) {
        return new BlockDevice(this, domain, target);
    }

    /** The disks of the running domain. */
    public List<Disk> liveDisks() throws LibvirtException {
        return Disk.parseAll(domain.getXMLDesc(0));
    }

    /** The disks of the persistent definition: what the domain boots with next time. */
    public List<Disk> persistentDisks() throws LibvirtException {
        return Disk.parseAll(domain.getXMLDesc(LibvirtFlag.of(XML_INACTIVE)));
    }

    /** The running domain's disk with this target dev. */
    public Disk liveDisk(String target) throws LibvirtException {
        return Disk.find(liveDisks(), target).orElseThrow(() -> new IllegalStateException(
                "domain " + name + " has no disk " + target + " any more"));
    }

    /** The names of the domain's snapshots whose XML mentions {@code path}. */
    public List<String> snapshotsMentioning(String path) throws LibvirtException {
        List<String> names = new ArrayList<>();
        for (String snapshotName : domain.snapshotListNames()) {
            DomainSnapshot snapshot = domain.snapshotLookupByName(snapshotName);
            if (snapshot.getXMLDesc().contains("'" + path + "'") || snapshot.getXMLDesc().contains("\"" + path + "\"")) {
                names.add(snapshotName);
            }
        }
        return names;
    }

    /** Forgets a snapshot without touching its files. */
    public void deleteSnapshotMetadata(String snapshotName) throws LibvirtException {
        domain.snapshotLookupByName(snapshotName).delete(LibvirtFlag.of(SNAPSHOT_DELETE_METADATA_ONLY));
    }

    /** libvirt's state of the domain now: running, paused, shut off, ... */
    public DomainState state() throws LibvirtException {
        return domain.getInfo().state;
    }

    /** Whether a managed save image (virsh managedsave) waits to resume the domain with the disks it had. */
    public boolean hasManagedSave() throws LibvirtException {
        return domain.hasManagedSaveImage() == 1;
    }

    /**
     * Defines the domain again from its persistent XML (secrets included, so none is lost) with the
     * disk {@code target} on {@code source}: what it boots with next time.
     */
    public void defineWithDiskOn(String target, Path source) throws LibvirtException {
        String xml = domain.getXMLDesc(LibvirtFlag.of(XML_INACTIVE, XML_SECURE));
        connection.domainDefineXML(DomainXml.withDiskSource(xml, target, source));
    }

    private static boolean looksLikeUuid(String s) {
        try {
            UUID.fromString(s);
            return s.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
