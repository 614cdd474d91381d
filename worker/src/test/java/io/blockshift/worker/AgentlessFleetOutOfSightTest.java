package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.Command;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fleets on agentless hosts, run by one worker that cannot see any image directory (a mount
 * namespace with an empty tmpfs over each): the fleet's lookups (a selector's expansion, each
 * disk's resolution, the target checks) and every migration go through the hosts' libvirt alone.
 * The two "hosts" are this machine's libvirtd reached by two URIs.
 */
class AgentlessFleetOutOfSightTest extends LibvirtTemporalTest {

    private static final String SECOND_URI = "qemu+unix:///system";

    @Test
    void oneWorkerThatSeesNoImageMovesAFleetOverTwoAgentlessHostsAndASelectedFleetThroughThePools() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String queue = TestVm.PREFIX + "queue-" + id;
        String first = TestVm.PREFIX + "kvm-1-" + id;
        String second = TestVm.PREFIX + "kvm-2-" + id;
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put(first, TestVm.URI);
        hosts.put(second, SECOND_URI);
        try (TestVm one = TestVm.start(libvirt, "raw", 32); TestVm two = TestVm.start(libvirt, "raw", 32);
                TestVm three = TestVm.start(libvirt, "raw", 32); TestPools pools = new TestPools(libvirt);
                MountNamespace namespace = MountNamespace.start()) {
            Map<TestVm, String[]> poolNames = new LinkedHashMap<>();
            for (TestVm vm : List.of(one, two, three)) {
                poolNames.put(vm, new String[] {pools.dir(vm.src), pools.dir(vm.dst)});
                namespace.hideUnderEmptyTmpfs(vm.src);
                namespace.hideUnderEmptyTmpfs(vm.dst);
            }
            assertFalse(namespace.sees(three.vda), "the worker's namespace cannot see the images");
            one.write(0x31, 1);
            two.write(0x32, 2);
            three.write("virtio-disk0", 0x33, 3);
            three.write("virtio-disk1", 0x34, 4);
            Path threeVda = three.dst.resolve(three.name + "-vda.img");
            Path threeVdb = three.dst.resolve(three.name + "-vdb.img");
            String refusedOutsideRoots;
            String refusedNoPool;
            FleetResult refusedListed;
            try (WorkerProcess worker = WorkerProcess.startAgentless(namespace.launcher(), temporal.target(), queue,
                    List.of(one.dst, two.dst, three.dst), hosts)) {
                // Listed disks on two hosts, as an operator starts a fleet from the Temporal CLI.
                String listedId = queue + "-listed";
                Command.run(List.of(DevServer.findBinary().orElseThrow().toString(), "workflow", "start",
                        "--address", temporal.target(), "--type", "MigrateFleet", "--task-queue", queue,
                        "--workflow-id", listedId, "--input", "{\"migrations\": [" + listed(one, first, TestVm.URI)
                                + ", " + listed(two, second, SECOND_URI) + "]}"), Duration.ofSeconds(60));
                FleetResult listed = client.newUntypedWorkflowStub(listedId).getResult(3, TimeUnit.MINUTES, FleetResult.class);
                assertEquals(2, listed.done(), listed::toString);
                assertEquals(0, listed.failed(), listed::toString);

                // A selector on the second host: its domains and disks are listed by that host's libvirt.
                FleetResult selected = fleet(queue, queue + "-selected").migrate(selected(three, second, three.dst), null);
                assertEquals(2, selected.done(), selected::toString);

                // Targets no pool of the worker's storage roots serves are refused before any disk moves.
                refusedOutsideRoots = refusal(queue, "-outside", selected(three, second, three.src));
                refusedNoPool = refusal(queue, "-no-pool", selected(three, second, three.dir));
                MigrateFleetRequest outside = new MigrateFleetRequest();
                outside.migrations = List.of(new ObjectMapper().readValue(listed(three, second, SECOND_URI)
                        .replace(three.target().toString(), three.src.resolve("vda-again.img").toString()),
                        MigrateDiskRequest.class));
                refusedListed = fleet(queue, queue + "-listed-outside").migrate(outside, null);
                assertTrue(worker.isAlive(), "the worker ran every fleet");
            }

            for (TestVm vm : List.of(one, two)) {
                assertEquals(vm.target().toString(), vm.liveDisk().source(), "the running domain is on B");
                assertEquals(vm.target().toString(), vm.persistentDisk().source(), "the persistent definition names B");
                assertEquals(List.of("vda-moved.img"), pools.volumes(poolNames.get(vm)[1]), "A', B' and the claim are gone");
                assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            }
            assertEquals(threeVda.toString(), three.liveDisk("vda").source());
            assertEquals(threeVdb.toString(), three.persistentDisk("vdb").source());
            assertEquals(List.of(), pools.volumes(poolNames.get(three)[0]), "both sources are gone");
            assertEquals(List.of("dst/" + three.name + "-vda.img", "dst/" + three.name + "-vdb.img"), three.files());
            for (TestVm vm : List.of(one, two, three)) {
                vm.flush();
            }
            assertTrue(TestVm.holds(one.target(), "raw", 0x31, 1));
            assertTrue(TestVm.holds(two.target(), "raw", 0x32, 2));
            assertTrue(TestVm.holds(threeVda, "raw", 0x33, 3));
            assertTrue(TestVm.holds(threeVdb, "raw", 0x34, 4));
            assertTrue(refusedOutsideRoots.contains("(" + three.src + ") is not under a storage root of this worker"),
                    refusedOutsideRoots);
            assertTrue(refusedOutsideRoots.endsWith("or start the worker with '--storage-root " + three.src
                    + "'. Nothing was changed."), refusedOutsideRoots);
            assertEquals(1, refusedListed.failed(), refusedListed::toString);
            assertTrue(refusedListed.failures().get(0).contains("(" + three.src + ") is not under a storage root of this"
                    + " worker"), "a listed target is judged by the host's pools: " + refusedListed);
            assertTrue(refusedNoPool.startsWith("refused: no libvirt storage pool on host " + second + " serves " + three.dir
                    + " ('select.targetDir'); an agentless host reaches files only through pools. Make one: virsh -c "
                    + SECOND_URI + " pool-define-as "), refusedNoPool);
        }
    }

    private static String listed(TestVm vm, String host, String uri) {
        return "{\"domain\": \"" + vm.name + "\", \"disk\": \"vda\", \"target\": \"" + vm.target() + "\", "
                + "\"connectUri\": \"" + uri + "\", \"host\": \"" + host + "\"}";
    }

    private static MigrateFleetRequest selected(TestVm vm, String host, Path targetDir) {
        FleetSelector selector = new FleetSelector();
        selector.connectUri = SECOND_URI;
        selector.host = host;
        selector.domains = vm.name;
        selector.sourceUnder = vm.src.toString();
        selector.targetDir = targetDir.toString();
        MigrateFleetRequest request = new MigrateFleetRequest();
        request.select = selector;
        return request;
    }

    /** The refusal a fleet of {@code request} ends with. */
    private static String refusal(String queue, String suffix, MigrateFleetRequest request) {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                () -> fleet(queue, queue + suffix).migrate(request, null));
        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Refused", failure.getType());
        return failure.getOriginalMessage();
    }

    private static MigrateFleetWorkflow fleet(String queue, String workflowId) {
        return client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(queue)
                .setWorkflowId(workflowId)
                .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                .build());
    }
}
