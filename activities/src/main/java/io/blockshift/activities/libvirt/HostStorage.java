package io.blockshift.activities.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * The storage pools of one libvirt host, found by the directory they serve. Nothing here looks at
 * a path on this machine: the directories are the host's, and only libvirt reads them.
 */
public final class HostStorage {

    private final Connect connection;

    HostStorage(Connect connection) {
        this.connection = connection;
    }

    /** The pool, active or not, whose target directory is {@code directory}, if the host defines one. */
    public Optional<StoragePoolOnHost> poolOf(Path directory) throws LibvirtException {
        for (StoragePoolOnHost pool : all()) {
            if (pool.directory() != null && Path.of(pool.directory()).normalize().equals(directory.normalize())) {
                return Optional.of(pool);
            }
        }
        return Optional.empty();
    }

    /** The volume of an active pool at {@code path} on the host, if a pool lists it (as of its last refresh). */
    public Optional<StorageVolume> volumeAt(String path) throws LibvirtException {
        try {
            return Optional.of(new StorageVolume(connection, connection.storageVolLookupByPath(path)));
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The active pools of the host. */
    public List<StoragePoolOnHost> active() throws LibvirtException {
        List<StoragePoolOnHost> pools = new ArrayList<>();
        for (String name : connection.listStoragePools()) {
            pools.add(new StoragePoolOnHost(connection, connection.storagePoolLookupByName(name)));
        }
        return pools;
    }

    /** Every pool the host defines, active or not. */
    public List<StoragePoolOnHost> all() throws LibvirtException {
        List<StoragePoolOnHost> pools = active();
        for (String name : connection.listDefinedStoragePools()) {
            pools.add(new StoragePoolOnHost(connection, connection.storagePoolLookupByName(name)));
        }
        return pools;
    }
}
