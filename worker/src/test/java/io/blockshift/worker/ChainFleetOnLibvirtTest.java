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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A fleet selector over VMs whose disks share one backing chain: every disk moves, the chain is copied once. */
class ChainFleetOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aSelectorMovesTwoVmsOverOneSharedChainAtOnceOntoOneCopyOfIt() throws Exception {
        try (TestChain chain = TestChain.make("raw")) {
            Path vms = Files.createDirectory(chain.dir.resolve("vms"));
            Files.setPosixFilePermissions(vms, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (TestVm one = TestVm.startOver(libvirt, chain.mid, "qcow2", vms);
                    TestVm two = TestVm.startOver(libvirt, chain.mid, "qcow2", vms)) {
                one.write(0x11, 2);
                two.write(0x22, 3);
                FleetSelector selector = new FleetSelector();
                selector.connectUri = TestVm.URI;
                selector.domains = TestVm.PREFIX + "*";
                selector.sourceUnder = vms.toString();
                selector.targetDir = chain.fresh.toString();
                MigrateFleetRequest request = new MigrateFleetRequest();
                request.select = selector;
                request.maxPerTarget = 4;

                String queue = TestVm.PREFIX + UUID.randomUUID();
                FleetResult result;
                try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(chain.fresh),
                        new LibvirtFleetActivities(libvirt, new StorageRoots(List.of(chain.fresh))), null, "test worker")) {
                    result = client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                            .setTaskQueue(queue).setWorkflowId(queue).setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                            .build()).migrate(request, null);
                }

                assertEquals(4, result.done(), result::toString); // vda (chained) and vdb (raw) of each
                assertEquals(0, result.failed(), result::toString);
                Path midCopy = chain.fresh.resolve("mid.qcow2");
                for (TestVm vm : List.of(one, two)) {
                    Path vda = chain.fresh.resolve(vm.name + "-vda.qcow2");
                    assertEquals(vda.toString(), vm.liveDisk().source());
                    assertEquals(midCopy.toString(), vm.liveDisk().backingFile());
                    assertEquals(List.of(vda.toString(), midCopy.toString(), chain.fresh.resolve("base.img").toString()),
                            TestChain.chainOf(vda));
                    assertTrue(TestVm.holds(vda, "qcow2", TestChain.BASE_PATTERN, 0));
                    assertTrue(TestVm.holds(vda, "qcow2", TestChain.MID_PATTERN, 1));
                }
                assertTrue(TestVm.holds(chain.fresh.resolve(one.name + "-vda.qcow2"), "qcow2", 0x11, 2));
                assertTrue(TestVm.holds(chain.fresh.resolve(two.name + "-vda.qcow2"), "qcow2", 0x22, 3));
                try (var files = Files.list(chain.fresh)) {
                    assertEquals(java.util.stream.Stream.of("base.img", "mid.qcow2", one.name + "-vda.qcow2",
                            one.name + "-vdb.img", two.name + "-vda.qcow2", two.name + "-vdb.img").sorted().toList(),
                            files.map(p -> p.getFileName().toString()).sorted().toList(), "one copy of the chain, no marks");
                }
                assertTrue(Files.exists(chain.mid) && Files.exists(chain.base), "the old chain is kept (no deleteUnusedBacking)");
            }
        }
    }
}
