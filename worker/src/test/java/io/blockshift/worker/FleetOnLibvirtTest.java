package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.fleet.LibvirtFleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** MigrateFleet end to end: libvirtd + QEMU and a Temporal dev server. */
class FleetOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aFleetMovesBothDisksOfOneVmAndOneDiskOfAnotherWithAllTheirData() throws Exception {
        try (TestVm one = TestVm.start(libvirt, "raw", 32); TestVm two = TestVm.start(libvirt, "qcow2", 32)) {
            one.write("virtio-disk0", 0x11, 1);
            one.write("virtio-disk1", 0x22, 2);
            two.write("virtio-disk0", 0x33, 3);
            HookedActivities activities = activities(one.dst, two.dst);
            String queue = TestVm.PREFIX + UUID.randomUUID();
            Path oneVda = one.dst.resolve("vda-moved.img");
            Path oneVdb = one.dst.resolve("vdb-moved.img");
            Path twoVda = two.dst.resolve("vda-moved.qcow2");
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    request(one, "vda", oneVda), request(one, "vdb", oneVdb), request(two, "vda", twoVda)));

            FleetResult result;
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities,
                    fleetActivities(one.dst, two.dst), null, "test worker")) {
                result = fleet(queue).migrate(request, null);
            }

            assertEquals(3, result.done(), result::toString);
            assertEquals(0, result.failed(), result::toString);
            assertEquals(oneVda.toString(), one.liveDisk("vda").source());
            assertEquals(oneVdb.toString(), one.liveDisk("vdb").source());
            assertEquals(twoVda.toString(), two.liveDisk("vda").source());
            assertEquals(oneVdb.toString(), one.persistentDisk("vdb").source(), "persistent XML names the new vdb");
            for (TestVm vm : List.of(one, two)) {
                for (String dev : List.of("vda", "vdb")) {
                    assertNull(vm.liveDisk(dev).backingFile());
                }
            }
            assertEquals(List.of("dst/vda-moved.img", "dst/vdb-moved.img"), one.files(), "A, A' and B' are gone");
            assertEquals(List.of("dst/vda-moved.qcow2", "src/vdb.img"), two.files());
            assertTrue(TestVm.holds(oneVda, "raw", 0x11, 1));
            assertTrue(TestVm.holds(oneVdb, "raw", 0x22, 2));
            assertTrue(TestVm.holds(twoVda, "qcow2", 0x33, 3));
            one.write("virtio-disk1", 0x44, 4);
            assertTrue(TestVm.holds(oneVdb, "raw", 0x44, 4), "the guest writes to the new vdb");
        }
    }

    @Test
    void aSelectorFindsEveryFileBackedDiskOfTheMatchingDomains() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "qcow2", 16)) {
            FleetSelector selector = new FleetSelector();
            selector.connectUri = TestVm.URI;
            selector.domains = vm.name.substring(0, vm.name.length() - 1) + "?";
            selector.sourceUnder = vm.src.toString();
            selector.targetDir = vm.dst.toString();
            selector.host = "kvm-a";

            List<MigrateDiskRequest> disks = fleetActivities(vm.dst).expand(selector);

            assertEquals(2, disks.size(), disks::toString);
            assertEquals(vm.dst.resolve(vm.name + "-vda.qcow2").toString(), disks.get(0).target);
            assertEquals(vm.dst.resolve(vm.name + "-vdb.img").toString(), disks.get(1).target);
            assertEquals("kvm-a", disks.get(1).host);
        }
    }

    @Test
    void eachDisksStepsRunOnItsHostsTaskQueue() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String hostA = "a-" + suffix;
        String hostB = "b-" + suffix;
        try (TestVm a = TestVm.start(libvirt, "raw", 16); TestVm b = TestVm.start(libvirt, "raw", 16)) {
            a.write(0x11, 1);
            b.write(0x22, 2);
            HookedActivities onA = activities(a.dst, b.dst);
            HookedActivities onB = activities(a.dst, b.dst);
            String queue = TestVm.PREFIX + UUID.randomUUID();
            MigrateDiskRequest diskA = request(a, "vda", a.target());
            diskA.host = hostA;
            MigrateDiskRequest diskB = request(b, "vda", b.target());
            diskB.host = hostB;

            FleetResult result;
            try (BlockshiftWorker workerA = BlockshiftWorker.start(client, queue, hostA, onA,
                    fleetActivities(a.dst, b.dst), null, "worker of host A");
                    BlockshiftWorker workerB = BlockshiftWorker.start(client, queue, hostB, onB,
                            fleetActivities(a.dst, b.dst), null, "worker of host B")) {
                result = fleet(queue).migrate(new MigrateFleetRequest(List.of(diskA, diskB)), null);
            }

            assertEquals(2, result.done(), result::toString);
            assertEquals(a.target().toString(), a.liveDisk("vda").source());
            assertEquals(b.target().toString(), b.liveDisk("vda").source());
            assertTrue(TestVm.holds(a.target(), "raw", 0x11, 1));
            assertTrue(TestVm.holds(b.target(), "raw", 0x22, 2));
            // Each worker ran the steps of its own host's disk only.
            assertEquals(1, onA.calls.stream().filter("cloneBase"::equals).count(), onA.calls::toString);
            assertEquals(1, onB.calls.stream().filter("cloneBase"::equals).count(), onB.calls::toString);
            assertEquals(List.of(MigrateDiskWorkflow.hostTaskQueue(hostA)), activityQueues(hostA, a));
            assertEquals(List.of(MigrateDiskWorkflow.hostTaskQueue(hostB)), activityQueues(hostB, b));
        }
    }

    @Test
    void aSelectorWhoseTargetDirLeavesTheStorageRootsIsRefusedBeforeAnyDiskMoves() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            vm.write(0x11, 1);
            Path outside = vm.src;
            Path link = Files.createSymbolicLink(vm.dst.resolve("link"), outside);
            String liveXml = vm.liveXml();
            String persistentXml = vm.persistentXml();
            List<String> files = vm.files();
            String queue = TestVm.PREFIX + UUID.randomUUID();
            Map<String, String> refusals = new LinkedHashMap<>();
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(vm.dst),
                    fleetActivities(vm.dst), null, "test worker")) {
                for (String targetDir : List.of(outside.toString(), link.toString(), vm.dst + "/../src")) {
                    FleetSelector selector = new FleetSelector();
                    selector.connectUri = TestVm.URI;
                    selector.domains = vm.name;
                    selector.sourceUnder = vm.src.toString();
                    selector.targetDir = targetDir;
                    MigrateFleetRequest request = new MigrateFleetRequest();
                    request.select = selector;
                    String id = queue + "-" + refusals.size();
                    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                            () -> fleet(queue, id).migrate(request, null));
                    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
                    assertEquals("Refused", failure.getType());
                    refusals.put(targetDir, failure.getOriginalMessage());
                    assertEquals(List.of(), childrenStarted(id), "no child workflow was started");
                }
            }

            assertEquals("refused: 'select.targetDir' " + outside + " is outside this worker's storage roots (" + vm.dst
                    + "); choose a targetDir inside them or start the worker with --storage-root " + outside
                    + ". Nothing was changed.", refusals.get(outside.toString()));
            assertEquals("refused: 'select.targetDir' " + link + " (" + outside + " once links and '..' are resolved) is "
                    + "outside this worker's storage roots (" + vm.dst + "); choose a targetDir inside them or start the "
                    + "worker with --storage-root " + outside + ". Nothing was changed.", refusals.get(link.toString()));
            assertEquals("refused: 'select.targetDir' " + vm.dst + "/../src (" + outside + " once links and '..' are "
                    + "resolved) is outside this worker's storage roots (" + vm.dst + "); choose a targetDir inside them "
                    + "or start the worker with --storage-root " + outside + ". Nothing was changed.",
                    refusals.get(vm.dst + "/../src"));
            assertEquals(liveXml, vm.liveXml());
            assertEquals(persistentXml, vm.persistentXml());
            assertEquals(files, vm.files());
            assertTrue(TestVm.holds(vm.vda, "raw", 0x11, 1));
        }
    }

    @Test
    void aListedDiskWhoseTargetLeavesTheStorageRootsIsRefusedBeforeAnyChildStarts() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            Path link = Files.createSymbolicLink(vm.dst.resolve("link"), vm.src);
            String liveXml = vm.liveXml();
            List<String> files = vm.files();
            String queue = TestVm.PREFIX + UUID.randomUUID();
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    request(vm, "vda", link.resolve("vda-moved.img")),
                    request(vm, "vdb", Path.of(vm.dst + "/../src/vdb-moved.img"))));

            FleetResult result;
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(vm.dst),
                    fleetActivities(vm.dst), null, "test worker")) {
                result = fleet(queue).migrate(request, null);
            }

            assertEquals(2, result.failed(), result::toString);
            assertEquals(0, result.done());
            assertEquals("#0 " + vm.name + "/vda: refused: target " + link.resolve("vda-moved.img") + " ("
                    + vm.src.resolve("vda-moved.img") + " once links are resolved) is outside this worker's storage roots ("
                    + vm.dst + "); choose a target inside them or start the worker with --storage-root " + vm.src,
                    result.failures().get(0));
            assertTrue(result.failures().get(1).startsWith("#1 " + vm.name + "/vdb: refused: target "
                    + vm.src.resolve("vdb-moved.img") + " ("), result.failures()::toString);
            assertEquals(List.of(), childrenStarted(queue), "no child workflow was started");
            assertEquals(liveXml, vm.liveXml());
            assertEquals(files, vm.files());
        }
    }

    @Test
    void aChildOfAnEarlierRunTerminatedMidCopyIsCountedFailedAndTheFleetGoesOn() throws Exception {
        try (TestVm one = TestVm.start(libvirt, "raw", 16); TestVm two = TestVm.start(libvirt, "raw", 16)) {
            two.write(0x22, 2);
            CountDownLatch cloning = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            HookedActivities activities = activities(one.dst, two.dst).before("cloneBase", () -> {
                if (first.getAndSet(false)) {
                    cloning.countDown();
                    release.await(1, TimeUnit.MINUTES);
                }
            });
            String queue = TestVm.PREFIX + UUID.randomUUID();
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    request(one, "vda", one.target()), request(two, "vda", two.target())));
            request.maxConcurrent = 1;
            request.childrenPerRun = 1;
            request.childCheckSeconds = 1;
            String oneChild = MigrateFleetWorkflowImpl.childWorkflowId(null, one.guest().uuid(), "vda");

            FleetResult result;
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities,
                    fleetActivities(one.dst, two.dst), null, "test worker")) {
                MigrateFleetWorkflow fleet = fleet(queue);
                WorkflowClient.start(fleet::migrate, request, null);
                assertTrue(cloning.await(1, TimeUnit.MINUTES), "the first disk's copy started");
                long deadline = System.currentTimeMillis() + 60_000;
                while (fleet.progress().run() < 2) {
                    assertTrue(System.currentTimeMillis() < deadline, "the fleet did not continue as new");
                    Thread.sleep(50);
                }
                // Run 2 learns of this child's end only by its signal, which a terminated workflow never sends.
                client.newUntypedWorkflowStub(oneChild).terminate("an operator ended it by hand");
                release.countDown();
                result = WorkflowStub.fromTyped(fleet).getResult(3, TimeUnit.MINUTES, FleetResult.class);
            }

            assertEquals(1, result.done(), result::toString);
            assertEquals(1, result.failed(), result::toString);
            assertTrue(result.failures().get(0).startsWith("#0 " + one.name + "/vda: failed: terminated without reporting "
                    + "to the fleet: its steps stopped wherever they were. Check the disk's chain"), result.failures()::toString);
            assertTrue(result.failures().get(0).contains("--workflow-id " + oneChild), result.failures()::toString);
            assertEquals(two.target().toString(), two.liveDisk("vda").source());
            assertTrue(TestVm.holds(two.target(), "raw", 0x22, 2));
        }
    }

    /** The lookups of a worker whose storage roots are {@code roots}. */
    private static LibvirtFleetActivities fleetActivities(Path... roots) {
        return new LibvirtFleetActivities(libvirt, new StorageRoots(List.of(roots)));
    }

    /** The workflow IDs of the children the fleet {@code id} started, from its history. */
    private static List<String> childrenStarted(String id) {
        List<String> children = new ArrayList<>();
        for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
            if (e.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
                children.add(e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId());
            }
        }
        return children;
    }

    /** The distinct task queues the activities of the migration of the VM's vda ran on, local ones included. */
    private static List<String> activityQueues(String host, TestVm vm) throws Exception {
        String id = MigrateFleetWorkflowImpl.childWorkflowId(host, vm.guest().uuid(), "vda");
        List<String> queues = new ArrayList<>();
        int activities = 0;
        for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
            if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                activities++;
                String queue = e.getActivityTaskScheduledEventAttributes().getTaskQueue().getName();
                if (!queues.contains(queue)) {
                    queues.add(queue);
                }
            }
        }
        // Local activities run on the worker of the child's own queue: count them there.
        int local = MigrationHistory.of(client, id).localActivities().size();
        String childQueue = client.fetchHistory(id).getEvents().get(0)
                .getWorkflowExecutionStartedEventAttributes().getTaskQueue().getName();
        if (local > 0 && !queues.contains(childQueue)) {
            queues.add(childQueue);
        }
        assertTrue(activities + local >= 7, id + " ran " + activities + " activities and " + local + " local ones");
        return queues;
    }

    private static MigrateFleetWorkflow fleet(String queue) {
        return fleet(queue, queue);
    }

    private static MigrateFleetWorkflow fleet(String queue, String workflowId) {
        return client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(queue)
                .setWorkflowId(workflowId)
                .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                .build());
    }

    private static MigrateDiskRequest request(TestVm vm, String disk, Path target) {
        MigrateDiskRequest request = new MigrateDiskRequest(vm.name, disk, target.toString());
        request.connectUri = TestVm.URI;
        return request;
    }
}
