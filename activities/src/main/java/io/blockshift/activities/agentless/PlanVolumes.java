package io.blockshift.activities.agentless;

import io.blockshift.activities.libvirt.HostStorage;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.Optional;
import org.libvirt.LibvirtException;

/**
 * The plan's images as volumes of the host's storage pools: each image is the volume named after
 * its file in the pool whose target is its directory (preflight checked that both pools exist).
 */
final class PlanVolumes {

    private final HostStorage storage;

    private PlanVolumes(HostStorage storage) {
        this.storage = storage;
    }

    static PlanVolumes of(LibvirtConnections libvirt, MigrationPlan plan) throws LibvirtException {
        return new PlanVolumes(libvirt.storage(plan.connectUri()));
    }

    /** The active pool that holds {@code path}. */
    StoragePoolOnHost poolOf(String path) throws LibvirtException {
        Path directory = Path.of(path).getParent();
        StoragePoolOnHost pool = storage.poolOf(directory).orElseThrow(() -> new IllegalStateException(
                "no libvirt storage pool serves " + directory + " any more ('virsh pool-list --all')"));
        if (!pool.isActive()) {
            throw new IllegalStateException("libvirt storage pool " + pool.name() + " (" + directory
                    + ") is not active any more: 'virsh pool-start " + pool.name() + "'");
        }
        return pool;
    }

    /** The volume at {@code path} as the pool lists it now, after a refresh when {@code refresh}. */
    Optional<StorageVolume> volume(String path, boolean refresh) throws LibvirtException {
        StoragePoolOnHost pool = poolOf(path);
        if (refresh) {
            pool.refresh();
        }
        return pool.volume(name(path));
    }

    /** The volume name of the image at {@code path}: its file name. */
    static String name(String path) {
        return Path.of(path).getFileName().toString();
    }

    HostStorage storage() {
        return storage;
    }
}
