package io.blockshift.workflows;

import java.nio.file.Path;

/** How a fleet names and counts a disk once resolved: its child's workflow ID and the keys the window counts. */
final class FleetDisks {

    private FleetDisks() {
    }

    /** Disk {@code index} of the fleet, as {@code resolved} found it. */
    static FleetDisk of(int index, MigrateDiskRequest request, ResolvedDisk resolved) {
        String host = Hosts.orLocal(request.host);
        Path parent = Path.of(request.target).normalize().getParent();
        return new FleetDisk(index, request, childWorkflowId(host, resolved.domainUuid(), resolved.diskTarget()),
                host + "/" + resolved.domainUuid(), host, parent == null ? "/" : parent.toString(), resolved.sourceSize(),
                null);
    }

    /**
     * The workflow ID of the migration of one disk: the same disk always gets the same ID, so a
     * disk already being migrated is refused by the server, naming the migration.
     */
    static String childWorkflowId(String host, String domainUuid, String diskTarget) {
        return "migrate-disk/" + Hosts.orLocal(host) + "/" + domainUuid + "/" + diskTarget;
    }

    /** What two disks of a fleet must not share: the same target on the same host. */
    static String targetKey(FleetDisk disk) {
        return disk.hostKey() + " " + Path.of(disk.request().target).normalize();
    }
}
