package io.blockshift.activities.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.LibvirtException;

/** The domains on one libvirt connection, scanned as a whole; a domain that goes away meanwhile is skipped. */
public final class HostDomains {

    private final Connect connection;

    public HostDomains(Connect connection) {
        this.connection = connection;
    }

    /**
     * The names of the domains, running or defined, that {@code names} accepts and whose state
     * {@code states} accepts, sorted.
     */
    public List<String> namesIn(Predicate<String> names, Predicate<DomainState> states) throws LibvirtException {
        List<Domain> domains = runningAndDefined();
        List<String> matching = new ArrayList<>();
        for (Domain domain : domains) {
            String name = LibvirtErrors.unlessGone(domain::getName);
            DomainInfo info = name == null || !names.test(name) ? null : LibvirtErrors.unlessGone(domain::getInfo);
            if (info != null && states.test(info.state)) {
                matching.add(name);
            }
        }
        matching.sort(null);
        return matching;
    }

    /** The names of the domains, running or defined, with a disk whose source or backing file is {@code path}. */
    public List<String> using(String path) throws LibvirtException {
        List<Domain> domains = runningAndDefined();
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

    private List<Domain> runningAndDefined() throws LibvirtException {
        List<Domain> domains = running();
        for (String name : connection.listDefinedDomains()) {
            Domain domain = LibvirtErrors.unlessGone(() -> connection.domainLookupByName(name));
            if (domain != null) {
                domains.add(domain);
            }
        }
        return domains;
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
