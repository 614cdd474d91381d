package io.blockshift.activities.agentless;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.libvirt.HostStorage;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.libvirt.LibvirtException;

/**
 * The storage pools of an agentless host that blockshift may read from and write into: a
 * directory is reached only through an active file pool serving it, and B is made only in a pool
 * under one of the worker's storage roots (read as the host's paths). Each refusal names the fix.
 */
final class HostPools {

    /** The pool types whose volumes are files named after the volume in the pool's directory. */
    private static final Set<String> FILE_POOLS = Set.of("dir", "fs", "netfs");

    private final String host;
    private final String uri;
    private final List<Path> storageRoots;

    HostPools(String host, String uri, List<Path> storageRoots) {
        this.host = host;
        this.uri = uri;
        this.storageRoots = storageRoots.stream().map(Path::normalize).toList();
    }

    /** The active file pool serving {@code directory} ({@code role} says what it is to the migration), or a refusal. */
    StoragePoolOnHost pool(HostStorage storage, Path directory, String role) throws LibvirtException {
        String name = directory.getFileName() == null ? "images" : directory.getFileName().toString();
        StoragePoolOnHost pool = storage.poolOf(directory).orElseThrow(() -> refuse("no libvirt storage pool on host "
                + host + " serves " + directory + " (" + role + "); an agentless host reaches files only through pools."
                + " Make one: virsh -c " + uri + " pool-define-as " + name + " dir --target " + directory
                + " && virsh -c " + uri + " pool-build " + name + " && virsh -c " + uri + " pool-start " + name
                + " && virsh -c " + uri + " pool-autostart " + name));
        if (!FILE_POOLS.contains(pool.type())) {
            throw refuse("pool " + pool.name() + " (" + directory + ") is of type " + pool.type() + ": an agentless"
                    + " host moves disks between dir, fs and netfs pools for now");
        }
        if (!pool.isActive()) {
            throw refuse("pool " + pool.name() + " (" + directory + ", " + role + ") is defined but not active; start"
                    + " it: virsh -c " + uri + " pool-start " + pool.name() + " && virsh -c " + uri + " pool-autostart "
                    + pool.name());
        }
        return pool;
    }

    /** The pool B would be made in (its directory {@code directory}), refused unless it lies under a storage root. */
    StoragePoolOnHost targetPool(HostStorage storage, Path directory, String role) throws LibvirtException {
        StoragePoolOnHost pool = pool(storage, directory, role);
        Path poolDirectory = Path.of(pool.directory()).normalize();
        if (storageRoots.stream().noneMatch(poolDirectory::startsWith)) {
            throw refuse("pool " + pool.name() + " (" + poolDirectory + ") is not under a storage root of this"
                    + " worker (" + storageRoots + "), so blockshift may not write into it on agentless host " + host
                    + "; choose a target under one of those, or start the worker with '--storage-root "
                    + poolDirectory + "'");
        }
        return pool;
    }
}
