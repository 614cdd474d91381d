package io.blockshift.activities.libvirt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * The disks of every domain, running or defined, by name: those it has now and, for a running
     * one with a persistent definition, those its next start will use too. A clean-up asks this of
     * the whole host, so it costs two listings and one XML a domain (two for a running persistent
     * one), not a call per domain to find it.
     */
    public Map<String, List<Disk>> disksByDomain() throws LibvirtException {
        Set<String> runningPersistent = new HashSet<>();
        for (Domain domain : connection.listAllDomains(LibvirtFlag.of(LibvirtFlag.LIST_ACTIVE, LibvirtFlag.LIST_PERSISTENT))) {
            runningPersistent.add(domain.getUUIDString());
        }
        Map<String, List<Disk>> disks = new LinkedHashMap<>();
        for (Domain domain : runningAndDefined()) {
            String live = LibvirtErrors.unlessGone(() -> domain.getXMLDesc(0));
            if (live == null) {
                continue;
            }
            List<Disk> all = new ArrayList<>(Disk.parseAll(live));
            if (runningPersistent.contains(domain.getUUIDString())) {
                String next = LibvirtErrors.unlessGone(() -> domain.getXMLDesc(LibvirtFlag.of(LibvirtFlag.XML_INACTIVE)));
                if (next != null) {
                    all.addAll(Disk.parseAll(next));
                }
            }
            disks.put(domain.getName(), all);
        }
        return disks;
    }

    /** Every domain, running or defined, in one call. */
    private List<Domain> runningAndDefined() throws LibvirtException {
        return List.of(connection.listAllDomains(0));
    }
}
