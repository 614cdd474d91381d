package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.fleet.LibvirtFleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.VmState;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;
import org.libvirt.DomainInfo.DomainState;

/** A fleet selector over a running, a paused and a shut-off VM on libvirtd + QEMU and a Temporal dev server. */
class MixedStatesFleetOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aSelectorPicksByStateAndAFleetOfRunningPausedAndShutOffVmsMovesEveryDisk() throws Exception {
        String prefix = TestVm.PREFIX + "mix-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        Path base = Files.createDirectory(TestVm.SCRATCH.resolve(prefix + "dir"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path targets = Files.createDirectory(base.resolve("new"));
        Files.setPosixFilePermissions(targets, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (TestVm running = TestVm.startWithVdaAlone(libvirt, base, prefix + "running", 16, 0x11);
                TestVm paused = TestVm.startWithVdaAlone(libvirt, base, prefix + "paused", 16, 0x22);
                TestVm shutOff = TestVm.startWithVdaAlone(libvirt, base, prefix + "shutoff", 16, 0x33)) {
            paused.pause();
            shutOff.stop();
            FleetSelector selector = new FleetSelector();
            selector.connectUri = TestVm.URI;
            selector.domains = prefix + "*";
            selector.sourceUnder = base.toString();
            selector.targetDir = targets.toString();
            LibvirtFleetActivities lookups = new LibvirtFleetActivities(libvirt, new StorageRoots(List.of(targets)));

            assertEquals(List.of(shutOff.name), domains(lookups, selector, List.of("shutoff")));
            assertEquals(List.of(paused.name, running.name), domains(lookups, selector, List.of("running", "paused")));
            assertEquals(List.of(paused.name, running.name, shutOff.name), domains(lookups, selector, VmState.ALL));

            MigrateFleetRequest request = new MigrateFleetRequest();
            request.select = selector;
            String queue = TestVm.PREFIX + UUID.randomUUID();
            FleetResult result;
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(targets), lookups,
                    null, "test worker")) {
                result = client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue).setWorkflowId(queue).setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                        .build()).migrate(request, null);
            }

            assertEquals(3, result.done(), result::toString);
            assertEquals(0, result.failed(), result::toString);
            assertEquals(DomainState.VIR_DOMAIN_RUNNING, running.state());
            assertEquals(DomainState.VIR_DOMAIN_PAUSED, paused.state(), "the paused VM stays paused");
            assertEquals(DomainState.VIR_DOMAIN_SHUTOFF, shutOff.state(), "the shut-off VM stays shut off");
            for (TestVm vm : List.of(running, paused, shutOff)) {
                Path target = targets.resolve(vm.name + "-vda.img");
                assertEquals(target.toString(), vm.persistentDisk().source(), vm.name);
                assertEquals(target.toString(), vm.liveDisk().source(), vm.name);
                assertEquals(List.of(), vm.files(), vm.name + ": A is gone");
            }
            assertTrue(TestVm.holds(targets.resolve(running.name + "-vda.img"), "raw", 0x11, 15));
            assertTrue(TestVm.holds(targets.resolve(paused.name + "-vda.img"), "raw", 0x22, 15));
            assertTrue(TestVm.holds(targets.resolve(shutOff.name + "-vda.img"), "raw", 0x33, 15));
            shutOff.startAgain();
            assertEquals(targets.resolve(shutOff.name + "-vda.img").toString(), shutOff.liveDisk().source());
        } finally {
            PathUtils.deleteDirectory(base);
        }
    }

    private static List<String> domains(LibvirtFleetActivities lookups, FleetSelector selector, List<String> states) {
        selector.states = states;
        return lookups.expand(selector).stream().map((MigrateDiskRequest r) -> r.domain).sorted().toList();
    }
}
