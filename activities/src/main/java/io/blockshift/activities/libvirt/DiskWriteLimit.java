package io.blockshift.activities.libvirt;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;

/**
 * A limit on the guest's writes to one disk (virDomainSetBlockIoTune on the running domain), put
 * in place while an active commit catches up and taken away after, restoring exactly the guest's
 * own tuning.
 *
 * <p>The guest's own figures are saved, before anything changes, in the running domain's metadata
 * (virDomainSetMetadata, live only), under a namespace of blockshift's per disk. That record lives
 * exactly as long as the limit: both go when the domain stops, and both survive a worker crash or
 * a libvirtd restart. A retry on any worker of the host finds it there and restores from it, and
 * it never mistakes a limit of blockshift's for the guest's own, since it saves only when no record
 * exists. Only the bytes group blockshift changes is saved and set again: libvirt keeps every other
 * parameter (IOPS, bursts, the group name) as it is when they are not given.
 */
public final class DiskWriteLimit {

    /** The bytes group of virDomainSetBlockIoTune: libvirt zeroes the members of a group not given. */
    static final List<String> BYTES = List.of("total_bytes_sec", "read_bytes_sec", "write_bytes_sec");
    private static final String NAMESPACE = "https://blockshift.io/xmlns/saved-iotune/";
    private static final String KEY = "blockshift";
    private static final int METADATA_ELEMENT = LibvirtFlag.of(LibvirtFlag.METADATA_ELEMENT);
    private static final int AFFECT_LIVE = LibvirtFlag.of(LibvirtFlag.AFFECT_LIVE);

    private final Domain metadata;
    private final NativeDomain domain;
    private final String target;

    DiskWriteLimit(Domain metadata, NativeDomain domain, String target) {
        this.metadata = metadata;
        this.domain = domain;
        this.target = target;
    }

    /** The disk's I/O tuning as libvirt reports it now, every parameter. */
    public Map<String, Object> tuning() {
        return domain.blockIoTune(target);
    }

    /**
     * The throttle group the disk shares with others, or null: a limit on a disk of a group would slow
     * every disk of the group, so blockshift puts none. A disk with limits of its own alone is in a
     * group too, which QEMU names after the device (its QOM path, {@code /machine/peripheral/...}; or
     * {@code drive-ALIAS} in older QEMU): that one is the disk's own.
     */
    public String group() {
        Object group = tuning().get("group_name");
        return group == null || isDevicesOwn(group.toString()) ? null : group.toString();
    }

    static boolean isDevicesOwn(String group) {
        return group.isEmpty() || group.startsWith("/machine/") || group.startsWith("drive-");
    }

    /**
     * Limits the guest's writes to at most {@code bytesPerSecond} (a lower limit of the guest's own
     * stays), having saved the guest's own figures first unless a record of them already exists.
     *
     * @return the write limit now in force, bytes/s
     */
    public long limitTo(long bytesPerSecond) throws LibvirtException {
        Map<String, Long> own = saved();
        if (own == null) {
            own = bytesGroup(tuning());
            metadata.setMetadata(METADATA_ELEMENT, savedXml(own), KEY, namespace(), AFFECT_LIVE);
        }
        Map<String, Long> limited = new LinkedHashMap<>(own);
        long limit;
        if (own.get("total_bytes_sec") > 0) {
            // libvirt refuses a write limit beside a total one: tighten the total.
            limit = Math.min(own.get("total_bytes_sec"), bytesPerSecond);
            limited.put("total_bytes_sec", limit);
        } else {
            long write = own.get("write_bytes_sec");
            limit = write > 0 ? Math.min(write, bytesPerSecond) : bytesPerSecond;
            limited.put("write_bytes_sec", limit);
        }
        domain.setBlockIoTune(target, limited);
        return limit;
    }

    /**
     * Puts back the guest's own figures if blockshift limited this disk (a record exists), then
     * forgets the record; safe to run again at any point.
     *
     * @return whether there was a limit to take away
     */
    public boolean restore() throws LibvirtException {
        Map<String, Long> own = saved();
        if (own == null) {
            return false;
        }
        domain.setBlockIoTune(target, own);
        metadata.setMetadata(METADATA_ELEMENT, null, null, namespace(), AFFECT_LIVE);
        return true;
    }

    /** The guest's own bytes figures as saved before the limit, or null when there is no limit of blockshift's. */
    Map<String, Long> saved() throws LibvirtException {
        String xml;
        try {
            xml = metadata.getMetadata(METADATA_ELEMENT, namespace(), AFFECT_LIVE);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA)) {
                return null;
            }
            throw e;
        }
        try {
            Element element = LibvirtXml.parse(xml).getDocumentElement();
            Map<String, Long> own = new LinkedHashMap<>();
            for (String name : BYTES) {
                own.put(name, Long.parseLong(element.getAttribute(name)));
            }
            return own;
        } catch (Exception e) {
            // Not a LibvirtException: the record is there but unreadable, which no retry mends.
            throw new IllegalStateException("the saved I/O tuning of " + target + " in the domain's metadata ("
                    + namespace() + ") cannot be read: " + xml, e);
        }
    }

    private String namespace() {
        return NAMESPACE + target;
    }

    static Map<String, Long> bytesGroup(Map<String, Object> tuning) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (String name : BYTES) {
            Object value = tuning.get(name);
            bytes.put(name, value instanceof Long l ? l : 0L);
        }
        return bytes;
    }

    static String savedXml(Map<String, Long> own) {
        StringBuilder xml = new StringBuilder("<iotune");
        own.forEach((name, value) -> xml.append(' ').append(name).append("='").append(value).append('\''));
        return xml.append("/>").toString();
    }
}
