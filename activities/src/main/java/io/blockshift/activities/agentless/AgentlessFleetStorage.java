package io.blockshift.activities.agentless;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.Failures;
import io.blockshift.activities.fleet.FleetStorage;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.libvirt.StorageXml;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.libvirt.LibvirtException;

/**
 * A fleet's storage on a host with no blockshift agent, asked of that host's libvirt only: a
 * target directory must be an active file pool under one of the worker's storage roots (as the
 * agentless preflight demands), and a source's size is its volume's.
 */
public final class AgentlessFleetStorage implements FleetStorage {

    private final LibvirtConnections libvirt;
    private final String uri;
    private final HostPools pools;

    public AgentlessFleetStorage(LibvirtConnections libvirt, String host, String uri, List<Path> storageRoots) {
        this.libvirt = libvirt;
        this.uri = uri;
        this.pools = new HostPools(host, uri, storageRoots);
    }

    @Override
    public void refuseTargetDir(String targetDir) {
        Path directory = Path.of(targetDir);
        if (!directory.isAbsolute()) {
            throw refuse("'select.targetDir' " + targetDir + " is a relative path: give the absolute path of a"
                    + " storage pool's directory on the host");
        }
        try {
            pools.targetPool(libvirt.storage(uri), directory.normalize(), "'select.targetDir'");
        } catch (LibvirtException e) {
            throw Failures.libvirt(e);
        }
    }

    @Override
    public String whyNotWritable(String target) {
        Path path = Path.of(target);
        if (!path.isAbsolute() || path.getParent() == null) {
            return "target '" + target + "' is not an absolute path: give the path B will have on the host,"
                    + " in one of its storage pools' directories";
        }
        try {
            pools.targetPool(libvirt.storage(uri), path.normalize().getParent(), "the target's directory");
            return null;
        } catch (ApplicationFailure refusal) {
            return refusal.getOriginalMessage();
        } catch (LibvirtException e) {
            throw Failures.libvirt(e);
        }
    }

    @Override
    public long sourceSize(String source) {
        if (source == null) {
            return 0;
        }
        try {
            Optional<StorageVolume> volume = libvirt.storage(uri).volumeAt(source);
            if (volume.isEmpty()) {
                return 0;
            }
            StorageXml.VolumeInfo info = volume.get().info();
            return "raw".equals(info.format()) ? info.capacity() : info.allocation();
        } catch (LibvirtException e) {
            return 0;
        }
    }
}
