package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtFlag.SNAPSHOT_DELETE_METADATA_ONLY;
import static io.blockshift.activities.libvirt.LibvirtFlag.XML_INACTIVE;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainSnapshot;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * A domain, seen from its disks: what it is, what its disks are, and its snapshot metadata. The
 * block operations on one disk are its {@link #disk(String) BlockDevice}; scans of every domain
 * on a host are {@link HostDomains}.
 */
public final class Guest {

    private final Domain domain;
    private final String name;
    private final String uuid;

    private Guest(Domain domain) throws LibvirtException {
        this.domain = domain;
        this.name = domain.getName();
        this.uuid = domain.getUUIDString();
    }

    /** The domain with this name or UUID; a libvirt VIR_ERR_NO_DOMAIN error when there is none. */
    static Guest lookUp(Connect connection, String nameOrUuid) throws LibvirtException {
        if (looksLikeUuid(nameOrUuid)) {
            try {
                return new Guest(connection.domainLookupByUUIDString(nameOrUuid));
            } catch (LibvirtException e) {
                if (!LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                    throw e;
                }
            }
        }
        return new Guest(connection.domainLookupByName(nameOrUuid));
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

    private static boolean looksLikeUuid(String s) {
        try {
            UUID.fromString(s);
            return s.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
