package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;

/**
 * The Temporal server killed with SIGKILL in the middle of a fleet, and started again on the same
 * port and the same SQLite file: the fleet, its children and the worker JVM carry on from what the
 * database holds. The class's shared server is not used; this test kills a server of its own.
 */
class TemporalServerCrashTest extends LibvirtTemporalTest {

    @Test
    void theTemporalServerKilledMidFleetAndRestartedFinishesTheFleet() throws Exception {
        Path base = Files.createTempDirectory(Path.of("/var/tmp"), TestVm.PREFIX + "server-crash-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (RestartableServer server = new RestartableServer(base.resolve("temporal.db"));
                TestVm one = TestVm.start(libvirt, "raw", 32, base);
                TestVm two = TestVm.start(libvirt, "raw", 32, base)) {
            // 6 MiB per disk at 1 MiB/s: each clone takes 6 s. A VM moves one disk at a time, so the fleet
            // takes 12 s: both vdas at once, then one's vdb.
            for (int mib = 1; mib <= 6; mib++) {
                one.write("virtio-disk0", 0x11, mib);
                one.write("virtio-disk1", 0x22, mib);
                two.write("virtio-disk0", 0x33, mib);
            }
            Path oneVda = one.target();
            Path oneVdb = one.dst.resolve("vdb-moved.img");
            Path twoVda = two.target();
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    slow(one, "vda", oneVda), slow(one, "vdb", oneVdb), slow(two, "vda", twoVda)));
            String queue = TestVm.PREFIX + UUID.randomUUID();

            FleetResult result;
            try (WorkerProcess worker = WorkerProcess.start(server.target(), queue, base)) {
                WorkflowClient before = TemporalConnection.connect(server.target(), TemporalConnection.DEFAULT_NAMESPACE);
                try {
                    MigrateFleetWorkflow fleet = before.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                            .setTaskQueue(queue)
                            .setWorkflowId(queue)
                            .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                            .build());
                    WorkflowClient.start(fleet::migrate, request, null);
                    WorkerCrashTest.await("both VMs' first disk moving", () -> fleet.progress().running() == 2);
                    WorkerCrashTest.await("a clone under way", () -> Files.exists(partial(oneVda)));
                } finally {
                    before.getWorkflowServiceStubs().shutdownNow();
                }
                server.kill();
                Thread.sleep(2000);
                server.restart();

                WorkflowClient after = TemporalConnection.connect(server.target(), TemporalConnection.DEFAULT_NAMESPACE);
                try {
                    result = after.newUntypedWorkflowStub(queue).getResult(90, TimeUnit.SECONDS, FleetResult.class);
                    assertTrue(worker.isAlive(), "the same worker JVM finished the fleet");
                    for (String childId : List.of(childId(one, "vda"), childId(one, "vdb"), childId(two, "vda"))) {
                        MigrationHistory history = MigrationHistory.of(after, childId);
                        assertEquals(WorkerCrashTest.EVERY_STEP_ONCE, history.scheduledActivities(), childId);
                        assertEquals(1, history.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED), childId);
                        assertEquals(1, history.started("CloneBase").getAttempt(), childId + ": the clone went on through the outage");
                        CloneReport clone = history.result("CloneBase", CloneReport.class);
                        assertEquals(clone.sourceChecksum(), clone.targetChecksum(), childId + ": the copy checks out");
                    }
                    assertEquals(1, MigrationHistory.of(after, queue).count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
                } finally {
                    after.getWorkflowServiceStubs().shutdownNow();
                }
            }

            assertEquals(new FleetResult(3, 3, 0, 0, result.bytesDone(), List.of(), 1), result, result::toString);
            assertOn(one, "vda", oneVda);
            assertOn(one, "vdb", oneVdb);
            assertOn(two, "vda", twoVda);
            assertEquals(List.of("dst/vda-moved.img", "dst/vdb-moved.img"), one.files(), "A, A' and B' are gone");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), two.files());
            for (int mib = 1; mib <= 6; mib++) {
                assertTrue(TestVm.holds(oneVda, "raw", 0x11, mib));
                assertTrue(TestVm.holds(oneVdb, "raw", 0x22, mib));
                assertTrue(TestVm.holds(twoVda, "raw", 0x33, mib));
            }
        } finally {
            PathUtils.deleteDirectory(base);
        }
    }

    private static MigrateDiskRequest slow(TestVm vm, String disk, Path target) {
        MigrateDiskRequest request = new MigrateDiskRequest(vm.name, disk, target.toString());
        request.connectUri = TestVm.URI;
        request.cloner = "sparse";
        request.bandwidthMiBps = 1;
        return request;
    }

    private static Path partial(Path target) {
        return target.resolveSibling(target.getFileName() + ".blockshift-partial");
    }

    private static String childId(TestVm vm, String disk) throws Exception {
        return MigrateFleetWorkflowImpl.childWorkflowId(null, vm.guest().uuid(), disk);
    }

    /** The guest runs on {@code target} alone, live and in its persistent definition. */
    private static void assertOn(TestVm vm, String disk, Path target) throws Exception {
        assertEquals(target.toString(), vm.liveDisk(disk).source());
        assertEquals(target.toString(), vm.persistentDisk(disk).source());
        assertNull(vm.liveDisk(disk).backingFile());
        assertNull(vm.persistentDisk(disk).backingFile());
        assertFalse(vm.liveDisk(disk).hasMirror());
    }

    /** A dev server that can be killed and started again on the same port with the same database. */
    private static final class RestartableServer implements AutoCloseable {

        private final Path binary = DevServer.findBinary().orElseThrow();
        private final int port = DevServer.freePort();
        private final Path database;
        private DevServer current;

        RestartableServer(Path database) throws Exception {
            this.database = database;
            restart();
        }

        String target() {
            return current.target();
        }

        void kill() throws InterruptedException {
            current.kill();
            current = null;
        }

        void restart() throws Exception {
            current = DevServer.start(binary, port, database, false);
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
            }
        }
    }
}
