package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.workflows.MigrateDiskResult;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The proof that an agentless worker needs no file of the host: a worker JVM in a mount
 * namespace where an empty tmpfs hides both image directories moves a running VM's disk, started
 * with {@code temporal workflow start ... "host": NAME}. Had any step opened, statted or deleted an
 * image path itself, it would have found nothing there and the move would have failed.
 */
class AgentlessWorkerOutOfSightTest extends LibvirtTemporalTest {

    @Test
    void aWorkerThatCannotSeeTheImageDirectoriesMovesTheDiskThroughLibvirtAlone() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String host = TestVm.PREFIX + "agentless-" + id;
        String queue = TestVm.PREFIX + "queue-" + id;
        String workflowId = TestVm.PREFIX + "move-" + id;
        try (TestVm vm = TestVm.start(libvirt, "raw", 64); TestPools pools = new TestPools(libvirt);
                MountNamespace namespace = MountNamespace.start()) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            namespace.hideUnderEmptyTmpfs(vm.src);
            namespace.hideUnderEmptyTmpfs(vm.dst);
            assertFalse(namespace.sees(vm.vda), "the worker's namespace cannot see A");
            assertTrue(namespace.sees(vm.src), "only an empty directory");
            vm.write(0x77, 7);
            try (WorkerProcess worker = WorkerProcess.startAgentless(namespace.launcher(), temporal.target(), queue,
                    vm.dst, host, TestVm.URI)) {
                Command.run(List.of(DevServer.findBinary().orElseThrow().toString(), "workflow", "start",
                        "--address", temporal.target(), "--type", "MigrateDisk", "--task-queue", queue,
                        "--workflow-id", workflowId, "--input", "{\"domain\": \"" + vm.name + "\", \"disk\": \"vda\", "
                                + "\"target\": \"" + vm.target() + "\", \"connectUri\": \"" + TestVm.URI + "\", "
                                + "\"host\": \"" + host + "\"}"), Duration.ofSeconds(60));

                MigrateDiskResult result = client.newUntypedWorkflowStub(workflowId)
                        .getResult(3, TimeUnit.MINUTES, MigrateDiskResult.class);

                assertEquals(vm.target().toString(), result.target());
                assertTrue(worker.isAlive(), "the worker ran the whole move");
            }
            assertEquals(vm.target().toString(), vm.liveDisk().source(), "the running domain is on B");
            assertEquals(vm.target().toString(), vm.persistentDisk().source(), "the persistent definition names B");
            vm.flush();
            assertTrue(TestVm.holds(vm.target(), "raw", 0x77, 7), "B holds the guest's write");
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst), "A', B' and the claim are gone");
            assertEquals(List.of("vdb.img"), pools.volumes(src), "A is gone");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }
}
