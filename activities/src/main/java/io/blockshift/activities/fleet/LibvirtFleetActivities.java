package io.blockshift.activities.fleet;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.Failures;
import io.blockshift.activities.Movability;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.HostDomains;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.libvirt.LibvirtErrors;
import io.blockshift.workflows.ChildExecution;
import io.blockshift.workflows.ClosedChildren;
import io.blockshift.workflows.DiskOutcome;
import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.FleetPayloads;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.ResolvedDisk;
import io.blockshift.workflows.VmState;
import io.temporal.activity.Activity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.libvirt.Connect;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lookups of {@code MigrateFleet} against a host's libvirt, and on the Temporal server the
 * state of its children. Read only. Targets are judged by the host's {@link FleetStorage} as
 * {@code MigrateDisk}'s preflight judges them, so a fleet refuses them before any disk moves.
 */
public final class LibvirtFleetActivities implements FleetActivities {

    private static final Logger log = LoggerFactory.getLogger(LibvirtFleetActivities.class);

    private final LibvirtConnections libvirt;
    private final FleetStorage storage;

    /** The lookups of a worker on the host: targets judged against its storage roots, sizes read from its files. */
    public LibvirtFleetActivities(LibvirtConnections libvirt, StorageRoots roots) {
        this(libvirt, new LocalFleetStorage(roots));
    }

    public LibvirtFleetActivities(LibvirtConnections libvirt, FleetStorage storage) {
        this.libvirt = libvirt;
        this.storage = storage;
    }

    @Override
    public List<MigrateDiskRequest> expand(FleetSelector selector) {
        Path targetDir = Path.of(selector.targetDir).normalize();
        storage.refuseTargetDir(selector.targetDir);
        try {
            Connect connection = libvirt.connect(selector.connectUri);
            Pattern names = glob(selector.domains);
            Path under = Path.of(selector.sourceUnder).normalize();
            Set<VmState> states = selector.states.stream().map(VmState::of).collect(Collectors.toSet());
            List<String> domains = new HostDomains(connection).namesIn(name -> names.matcher(name).matches(),
                    state -> states.contains(vmState(state)));
            List<MigrateDiskRequest> requests = new ArrayList<>();
            for (String name : domains) {
                for (Disk disk : libvirt.guest(selector.connectUri, name).liveDisks()) {
                    if (Movability.whyNot(name, disk, Movability.JOBS_NOT_ASKED, true) != null
                            || !Path.of(disk.source()).normalize().startsWith(under)) {
                        continue;
                    }
                    MigrateDiskRequest request = new MigrateDiskRequest(name, disk.target(),
                            targetDir.resolve(name + "-" + disk.target() + extension(disk.source())).toString());
                    request.connectUri = selector.connectUri;
                    request.host = selector.host;
                    request.cloner = selector.cloner;
                    request.bandwidthMiBps = selector.bandwidthMiBps;
                    request.keepSource = selector.keepSource;
                    request.verify = selector.verify;
                    requests.add(request);
                }
            }
            log.info("selector {} ({}) on {} under {}: {} disk(s) of {} domain(s)", selector.domains, selector.states,
                    selector.connectUri, under, requests.size(), domains.size());
            String tooLarge = FleetPayloads.expansionTooLarge(requests);
            if (tooLarge != null) {
                throw refuse(tooLarge);
            }
            return requests;
        } catch (LibvirtException e) {
            throw Failures.libvirt(e);
        }
    }

    /** The selector's word for a libvirt state; null for a state no selector picks (blockshift refuses those). */
    static VmState vmState(DomainState state) {
        return switch (state) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> VmState.RUNNING;
            case VIR_DOMAIN_PAUSED -> VmState.PAUSED;
            case VIR_DOMAIN_SHUTOFF -> VmState.SHUTOFF;
            default -> null;
        };
    }

    @Override
    public List<ResolvedDisk> resolveDisks(List<MigrateDiskRequest> requests) {
        List<ResolvedDisk> resolved = new ArrayList<>(requests.size());
        for (MigrateDiskRequest request : requests) {
            resolved.add(resolve(request));
        }
        return resolved;
    }

    private ResolvedDisk resolve(MigrateDiskRequest request) {
        Guest guest;
        try {
            guest = libvirt.guest(request.connectUri, request.domain);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                return ResolvedDisk.refusal("no domain named '" + request.domain + "' on " + request.connectUri);
            }
            throw Failures.libvirt(e);
        }
        try {
            List<Disk> disks = guest.liveDisks();
            Optional<Disk> found = Disk.find(disks, request.disk);
            if (found.isEmpty()) {
                return ResolvedDisk.refusal("domain " + guest.name() + " has no disk '" + request.disk
                        + "'; its disks are " + disks.stream().map(Disk::target).collect(Collectors.joining(", ")));
            }
            String targetProblem = storage.whyNotWritable(request.target);
            if (targetProblem != null) {
                return ResolvedDisk.refusal(targetProblem);
            }
            Disk disk = found.get();
            return new ResolvedDisk(guest.uuid(), guest.name(), disk.target(), disk.source(), storage.sourceSize(disk.source()), null);
        } catch (LibvirtException e) {
            throw Failures.libvirt(e);
        }
    }

    @Override
    public List<DiskOutcome> closedChildren(List<ChildExecution> children) {
        return ClosedChildren.find(Activity.getExecutionContext().getWorkflowClient(), children);
    }

    /** {@code .img} of {@code /a/b.img}; empty when the file name has no extension. */
    static String extension(String source) {
        String name = Path.of(source).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot);
    }

    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
