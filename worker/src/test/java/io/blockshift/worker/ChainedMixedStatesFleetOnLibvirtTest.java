package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.fleet.LibvirtFleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.libvirt.DomainInfo.DomainState;

/**
 * What a real fleet holds, in one selector: a running, a paused and a shut-off VM, each with a
 * qcow2 overlay on one shared two-level chain (qcow2 over raw) and a raw second disk. Every disk
 * moves; the chain is copied once into the target directory and shared; the shut-off VM's two disks
 * are defined one after the other on their copies (neither define undoes the other).
 */
class ChainedMixedStatesFleetOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aSelectorOverRunningPausedAndShutOffVmsOnOneChainMovesEveryDiskOntoOneCopyOfTheChain() throws Exception {
        String prefix = TestVm.PREFIX + "cmix-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        try (TestChain chain = TestChain.make("raw");
                TestVm running = TestVm.startOver(libvirt, chain.mid, "qcow2", chain.dir, prefix + "running");
                TestVm paused = TestVm.startOver(libvirt, chain.mid, "qcow2", chain.dir, prefix + "paused");
                TestVm shutOff = TestVm.startOver(libvirt, chain.mid, "qcow2", chain.dir, prefix + "shutoff")) {
            running.write(0x11, 4);
            paused.write(0x22, 4);
            shutOff.write(0x33, 4);
            paused.pause();
            shutOff.flush(); // qcow2 metadata too, before the power goes
            shutOff.stop();
            FleetSelector selector = new FleetSelector();
            selector.connectUri = TestVm.URI;
            selector.domains = prefix + "*";
            selector.sourceUnder = chain.dir.toString();
            selector.targetDir = chain.fresh.toString();
            MigrateFleetRequest request = new MigrateFleetRequest();
            request.select = selector;
            request.maxConcurrent = 6;
            request.maxPerHost = 6;
            request.maxPerTarget = 6;
            String queue = TestVm.PREFIX + UUID.randomUUID();
            FleetResult result;
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(chain.fresh),
                    new LibvirtFleetActivities(libvirt, new StorageRoots(List.of(chain.fresh))), null, "test worker")) {
                result = client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue).setWorkflowId(queue).setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                        .build()).migrate(request, null);
            }

            assertEquals(6, result.done(), result::toString);
            assertEquals(0, result.failed(), result::toString);
            assertEquals(DomainState.VIR_DOMAIN_RUNNING, running.state());
            assertEquals(DomainState.VIR_DOMAIN_PAUSED, paused.state(), "the paused VM stays paused");
            assertEquals(DomainState.VIR_DOMAIN_SHUTOFF, shutOff.state(), "the shut-off VM stays shut off");
            Path midCopy = chain.fresh.resolve("mid.qcow2");
            Path baseCopy = chain.fresh.resolve("base.img");
            java.util.Map<TestVm, Integer> patterns = java.util.Map.of(running, 0x11, paused, 0x22, shutOff, 0x33);
            for (TestVm vm : List.of(running, paused, shutOff)) {
                Path vda = chain.fresh.resolve(vm.name + "-vda.qcow2");
                Path vdb = chain.fresh.resolve(vm.name + "-vdb.img");
                assertEquals(vda.toString(), vm.persistentDisk("vda").source(), vm.name);
                assertEquals(vdb.toString(), vm.persistentDisk("vdb").source(), vm.name + ": both disks defined on B");
                if (vm != shutOff) {
                    assertEquals(vda.toString(), vm.liveDisk("vda").source(), vm.name);
                }
                assertEquals(List.of(vda.toString(), midCopy.toString(), baseCopy.toString()), TestChain.chainOf(vda),
                        vm.name + "'s vda sits on the one copy of the chain");
                assertTrue(TestVm.holds(vda, "qcow2", TestChain.BASE_PATTERN, 0), vm.name);
                assertTrue(TestVm.holds(vda, "qcow2", TestChain.MID_PATTERN, 1), vm.name);
                assertTrue(TestVm.holds(vda, "qcow2", patterns.get(vm), 4), vm.name + "'s own write is on B");
                assertEquals(List.of(), vm.files(), vm.name + ": A, A' and B' are gone");
            }
            assertTrue(Files.exists(chain.mid) && Files.exists(chain.base), "the old chain stays (deleteUnusedBacking is off)");
            shutOff.startAgain();
            assertEquals(chain.fresh.resolve(shutOff.name + "-vda.qcow2").toString(), shutOff.liveDisk("vda").source());
            assertTrue(TestVm.holds(chain.fresh.resolve(shutOff.name + "-vda.qcow2"), "qcow2", 0x33, 4));
        }
    }
}
