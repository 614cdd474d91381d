package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One worker serving two agentless "hosts" (this machine's libvirtd reached by two URIs, as
 * {@code blockshift worker --agentless-host A=URI1 --agentless-host B=URI2} would): each
 * migration's steps run on its host's queue, against the libvirt of that host's URI.
 */
class AgentlessHostsOnOneWorkerTest extends LibvirtTemporalTest {

    @Test
    void twoAgentlessHostsOnOneWorkerEachMoveTheirOwnVmsDisk() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String queue = TestVm.PREFIX + "queue-" + id;
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put(TestVm.PREFIX + "kvm-1-" + id, TestVm.URI);
        hosts.put(TestVm.PREFIX + "kvm-2-" + id, "qemu+unix:///system");
        try (TestVm first = TestVm.start(libvirt, "raw", 32); TestVm second = TestVm.start(libvirt, "raw", 32);
                TestPools pools = new TestPools(libvirt);
                BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null,
                        new StorageRoots(List.of(first.dst, second.dst)), null, hosts)) {
            String[] dst = {pools.dir(first.dst), pools.dir(second.dst)};
            pools.dir(first.src);
            pools.dir(second.src);
            first.write(0x12, 1);
            second.write(0x34, 2);
            List<String> names = List.copyOf(hosts.keySet());
            List<TestVm> vms = List.of(first, second);
            CompletableFuture<?>[] moves = new CompletableFuture<?>[2];
            for (int i = 0; i < 2; i++) {
                MigrateDiskRequest request = request(vms.get(i), vms.get(i).target());
                request.host = names.get(i);
                request.connectUri = hosts.get(names.get(i));
                MigrateDiskWorkflow workflow = client.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue).setWorkflowId(queue + "-" + i)
                        .setWorkflowExecutionTimeout(Duration.ofMinutes(5)).build());
                moves[i] = WorkflowClient.execute(workflow::migrate, request);
            }
            CompletableFuture.allOf(moves).get(3, TimeUnit.MINUTES);

            for (int i = 0; i < 2; i++) {
                TestVm vm = vms.get(i);
                assertEquals(vm.target().toString(), ((MigrateDiskResult) moves[i].get()).target());
                assertEquals(vm.target().toString(), vm.liveDisk().source());
                assertEquals(vm.target().toString(), vm.persistentDisk().source());
                assertEquals(List.of("vda-moved.img"), pools.volumes(dst[i]));
                assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            }
            first.flush();
            second.flush();
            assertTrue(TestVm.holds(first.target(), "raw", 0x12, 1));
            assertTrue(TestVm.holds(second.target(), "raw", 0x34, 2));
            for (int i = 0; i < 2; i++) {
                List<String> steps = MigrationHistory.of(client, queue + "-" + i).scheduledActivities();
                assertTrue(steps.contains("CloneBase"), "steps ran as activities on the host's queue: " + steps);
            }
        }
    }
}
