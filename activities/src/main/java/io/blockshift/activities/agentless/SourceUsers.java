package io.blockshift.activities.agentless;

import io.blockshift.activities.libvirt.HostDomains;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.workflows.MigrationPlan;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.LibvirtException;

/**
 * Who else needs A once the guest left it, asked of libvirt alone: another domain whose XML names
 * it, or a volume of an active pool whose backing store it is (the linked clones of a template,
 * which libvirt reads from the images' headers when it lists a pool).
 */
final class SourceUsers {

    private SourceUsers() {
    }

    /** Why A must be kept, or null when nothing but the moved domain ever used it. */
    static String whyKeep(LibvirtConnections libvirt, PlanVolumes volumes, MigrationPlan plan) throws LibvirtException {
        List<String> domains = new ArrayList<>(new HostDomains(libvirt.connect(plan.connectUri())).using(plan.source()));
        domains.remove(plan.domainName());
        if (!domains.isEmpty()) {
            return "domain(s) " + domains + " use it";
        }
        List<String> overlays = new ArrayList<>();
        for (StoragePoolOnHost pool : volumes.storage().active()) {
            for (StorageVolume volume : pool.volumes()) {
                // A' is over A until clean-up deletes it with A.
                if (plan.source().equals(volume.info().backingPath()) && !plan.top().equals(volume.path())) {
                    overlays.add(volume.path());
                }
            }
        }
        return overlays.isEmpty() ? null : "volume(s) " + overlays + " are backed by it";
    }
}
