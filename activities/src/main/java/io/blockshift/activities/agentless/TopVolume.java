package io.blockshift.activities.agentless;

import io.blockshift.activities.libvirt.HostDomains;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.workflows.MigrationPlan;
import org.libvirt.LibvirtException;

/**
 * What a volume at the plan's A' is, as libvirt shows it: whether a step may remove it. libvirt
 * cannot say whether a qcow2 holds clusters of its own (only reading the image could), so the
 * steps add what they know: the snapshot step deletes one only when an earlier attempt of it
 * recorded asking libvirt for it, the revert after the guest is back on A alone.
 */
final class TopVolume {

    private TopVolume() {
    }

    /** Whether A' is a qcow2 whose backing store is A, as the snapshot makes it, used by no domain of the host. */
    static boolean isUnusedOverlayOfSource(LibvirtConnections libvirt, StorageVolume top, MigrationPlan plan)
            throws LibvirtException {
        StorageXml.VolumeInfo info = top.info();
        return "qcow2".equals(info.format()) && SourceUsers.samePath(plan.source(), info.backingPath())
                && new HostDomains(libvirt.connect(plan.connectUri())).using(plan.top()).isEmpty();
    }
}
