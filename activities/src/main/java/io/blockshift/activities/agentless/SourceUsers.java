package io.blockshift.activities.agentless;

import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.LibvirtErrors;
import io.blockshift.activities.libvirt.StoragePoolOnHost;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.libvirt.StorageXml;
import io.blockshift.activities.migration.Heartbeat;
import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Who else needs A once the guest left it, asked of libvirt alone: another domain whose live or
 * persistent XML names it (as a disk or anywhere in a disk's {@code <backingStore>} chain), or a
 * volume of any pool whose backing store it is (the linked clones of a template, which libvirt
 * reads from the images' headers when it refreshes a pool). A pool that cannot be refreshed, or is
 * not active (its volumes unseen), might hold such a clone: A is kept then too.
 */
final class SourceUsers {

    // VIR_DOMAIN_XML_INACTIVE: the persistent definition, which the next start uses
    private static final int XML_INACTIVE = 2;

    private SourceUsers() {
    }

    /** Why A must be kept, or null when nothing but the moved domain ever used it. */
    static String whyKeep(LibvirtConnections libvirt, PlanVolumes volumes, MigrationPlan plan) throws LibvirtException {
        Set<String> domains = domainsUsing(libvirt.connect(plan.connectUri()), plan.source(), plan.domainName());
        if (!domains.isEmpty()) {
            return "domain(s) " + domains + " use it (their live or persistent XML names it)";
        }
        List<String> overlays = new ArrayList<>();
        for (StoragePoolOnHost pool : volumes.storage().all()) {
            Heartbeat.now(); // a refresh of a big pool reads every image's header
            if (!pool.isActive()) {
                return "pool " + pool.name() + " is not active, so its volumes (linked clones of it?) cannot be seen;"
                        + " start it ('virsh pool-start " + pool.name() + "') and delete A by hand if nothing uses it";
            }
            try {
                pool.refresh();
            } catch (LibvirtException e) {
                return "pool " + pool.name() + " could not be refreshed (" + e.getMessage() + "), so its volumes"
                        + " might be backed by it";
            }
            for (StorageVolume volume : pool.volumes()) {
                String path = volume.path();
                // A' is over A until clean-up deletes it with A.
                if (samePath(plan.source(), volume.info().backingPath()) && !samePath(plan.top(), path)) {
                    overlays.add(path);
                }
            }
        }
        return overlays.isEmpty() ? null : "volume(s) " + overlays + " are backed by it";
    }

    /** Whether two of the host's paths name one file as far as their text can tell (no link is followed here). */
    static boolean samePath(String a, String b) {
        return a != null && b != null && Path.of(a).normalize().equals(Path.of(b).normalize());
    }

    /** The domains but {@code moved}, running or defined, whose live or persistent disks' chains name {@code path}. */
    private static Set<String> domainsUsing(Connect connection, String path, String moved) throws LibvirtException {
        List<Domain> domains = new ArrayList<>();
        for (int id : connection.listDomains()) {
            Domain domain = LibvirtErrors.unlessGone(() -> connection.domainLookupByID(id));
            if (domain != null) {
                domains.add(domain);
            }
        }
        for (String name : connection.listDefinedDomains()) {
            Domain domain = LibvirtErrors.unlessGone(() -> connection.domainLookupByName(name));
            if (domain != null) {
                domains.add(domain);
            }
        }
        Set<String> users = new LinkedHashSet<>();
        for (Domain domain : domains) {
            String name = LibvirtErrors.unlessGone(domain::getName);
            if (name == null || name.equals(moved)) {
                continue;
            }
            List<String> images = new ArrayList<>();
            String live = LibvirtErrors.unlessGone(() -> domain.getXMLDesc(0));
            if (live != null) {
                images.addAll(StorageXml.diskImages(live));
            }
            if (Integer.valueOf(1).equals(LibvirtErrors.unlessGone(domain::isPersistent))) {
                String persistent = LibvirtErrors.unlessGone(() -> domain.getXMLDesc(XML_INACTIVE));
                if (persistent != null) {
                    images.addAll(StorageXml.diskImages(persistent));
                }
            }
            if (images.stream().anyMatch(image -> samePath(path, image))) {
                users.add(name);
            }
        }
        return users;
    }
}
