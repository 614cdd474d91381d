package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtFlag.VOL_CREATE_REFLINK;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/** One storage pool of a host, with the verbs the agentless steps need: each one libvirt call. */
public final class StoragePoolOnHost {

    private final Connect connection;
    private final StoragePool pool;
    private final StorageXml.PoolInfo info;

    StoragePoolOnHost(Connect connection, StoragePool pool) throws LibvirtException {
        this.connection = connection;
        this.pool = pool;
        this.info = StorageXml.pool(pool.getXMLDesc(0));
    }

    public String name() {
        return info.name();
    }

    /** libvirt's pool type: {@code dir}, {@code fs}, {@code netfs}, {@code logical}, ... */
    public String type() {
        return info.type();
    }

    /** The directory the pool's volumes are files in (its target path). */
    public String directory() {
        return info.targetPath();
    }

    public boolean isActive() throws LibvirtException {
        return pool.isActive() == 1;
    }

    /**
     * Rescans the pool, so that files made beside libvirt's storage driver (an external snapshot's
     * overlay) are volumes, and ones gone are not. libvirt refuses while a volume of the pool is
     * being built (VIR_ERR_OPERATION_INVALID): a retry of the step waits for it.
     */
    public void refresh() throws LibvirtException {
        pool.refresh(0);
    }

    /** Bytes free in the pool, as its last refresh saw them. */
    public long available() throws LibvirtException {
        return pool.getInfo().available;
    }

    /** The volume {@code name}, as of the pool's last refresh, if there is one. */
    public Optional<StorageVolume> volume(String name) throws LibvirtException {
        try {
            return Optional.of(new StorageVolume(connection, pool.storageVolLookupByName(name)));
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The pool's volumes, as of its last refresh. */
    public List<StorageVolume> volumes() throws LibvirtException {
        List<StorageVolume> volumes = new ArrayList<>();
        for (String name : pool.listVolumes()) {
            volume(name).ifPresent(volumes::add);
        }
        return volumes;
    }

    /** Creates a volume as {@code xml} describes it (libvirt refuses a name already taken). */
    public StorageVolume create(String xml) throws LibvirtException {
        return new StorageVolume(connection, pool.storageVolCreateXML(xml, 0));
    }

    /**
     * Creates a volume as {@code xml} describes it, holding a copy of {@code source} made by
     * libvirt (vol-clone); with {@code reflink} a copy-on-write clone or nothing. Returns when the
     * copy is complete: libvirt's call can be neither interrupted nor resumed.
     */
    public StorageVolume cloneFrom(String xml, StorageVolume source, boolean reflink) throws LibvirtException {
        StorageVol from = source.raw();
        return new StorageVolume(connection, pool.storageVolCreateXMLFrom(xml, from, reflink ? LibvirtFlag.of(VOL_CREATE_REFLINK) : 0));
    }
}
