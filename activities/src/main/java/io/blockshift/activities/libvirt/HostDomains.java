package io.blockshift.activities.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/** The domains on one libvirt connection, scanned as a whole; a domain that goes away meanwhile is skipped. */
public final class HostDomains {

    private final Connect connection;

    public HostDomains(Connect connection) {
        this.connection = connection;
    }

    /** The names of the running domains that {@code names} accepts, in libvirt's order. */
    public List<String> runningNames(Predicate<String> names) throws LibvirtException {
        List<String> matching = new ArrayList<>();
        for (Domain domain : running()) {
            String name = LibvirtErrors.unlessGone(domain::getName);
            if (name != null && names.test(name)) {
                matching.add(name);
            }
        }
        return matching;
    }

    /** The names of the domains, running or defined, with a disk whose source or backing file is {@code path}. */
    public List<String> using(String path) throws LibvirtException {
        List<Domain> domains = running();
        for (String name : connection.listDefinedDomains()) {
            Domain domain = LibvirtErrors.unlessGone(() -> connection.domainLookupByName(name));
            if (domain != null) {
                domains.add(domain);
            }
        }
        List<String> users = new ArrayList<>();
        for (Domain domain : domains) {
            String xml = LibvirtErrors.unlessGone(() -> domain.getXMLDesc(0));
            if (xml != null && Disk.parseAll(xml).stream()
                    .anyMatch(disk -> path.equals(disk.source()) || path.equals(disk.backingFile()))) {
                users.add(domain.getName());
            }
        }
        return users;
    }

    private List<Domain> running() throws LibvirtException {
        List<Domain> domains = new ArrayList<>();
        for (int id : connection.listDomains()) {
            Domain domain = LibvirtErrors.unlessGone(() -> connection.domainLookupByID(id));
            if (domain != null) {
                domains.add(domain);
            }
        }
        return domains;
    }
}
