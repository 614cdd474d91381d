package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How a fleet names and counts a resolved disk, without Temporal. */
class FleetDisksTest {

    static final String UUID = "6f1c2d3e-0000-4000-8000-000000000001";

    private static MigrateDiskRequest request(String host, String target) {
        MigrateDiskRequest request = new MigrateDiskRequest("vm1", "/old/vm1.img", target);
        request.host = host;
        return request;
    }

    private static ResolvedDisk resolved() {
        return new ResolvedDisk(UUID, "vm1", "vda", "/old/vm1.img", 42, null);
    }

    @Test
    void aDiskIsNamedByItsHostItsDomainsUuidAndItsTargetDev() {
        FleetDisk disk = FleetDisks.of(7, request("kvm-2", "/new/x/../vm1.img"), resolved());

        assertEquals(7, disk.index());
        assertEquals("migrate-disk/kvm-2/" + UUID + "/vda", disk.workflowId());
        assertEquals("kvm-2/" + UUID, disk.domainKey());
        assertEquals("kvm-2", disk.hostKey());
        assertEquals("/new", disk.targetDir(), "the normalised target's directory");
        assertEquals(42, disk.size());
        assertEquals(null, disk.runId());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "  "})
    void aDiskWithoutAHostIsOnTheLocalOne(String host) {
        FleetDisk disk = FleetDisks.of(0, request(host, "/new/vm1.img"), resolved());

        assertEquals("local", disk.hostKey());
        assertEquals("migrate-disk/local/" + UUID + "/vda", disk.workflowId());
        assertEquals(disk.workflowId(), MigrateFleetWorkflowImpl.childWorkflowId(host, UUID, "vda"));
    }

    @Test
    void aTargetAtTheRootCountsInTheRootDirectory() {
        assertEquals("/", FleetDisks.of(0, request(null, "/vm1.img"), resolved()).targetDir());
    }

    @Test
    void twoWaysOfWritingOneTargetOnOneHostShareTheirTargetKeyAndOtherHostsDoNot() {
        FleetDisk one = FleetDisks.of(0, request("h1", "/new/vm1.img"), resolved());
        FleetDisk same = FleetDisks.of(1, request("h1", "/new/./x/../vm1.img"), resolved());
        FleetDisk elsewhere = FleetDisks.of(2, request("h2", "/new/vm1.img"), resolved());

        assertEquals(FleetDisks.targetKey(one), FleetDisks.targetKey(same));
        assertNotEquals(FleetDisks.targetKey(one), FleetDisks.targetKey(elsewhere));
    }
}
