package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.StepProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The worker JVM killed with SIGKILL in the middle of a long step, and a new worker JVM taking
 * over: the migration finishes exactly once, from where the dead one left off. A long step's
 * heartbeat timeout is 10 s, so the retry starts about 10 s after the kill.
 */
class WorkerCrashTest extends LibvirtTemporalTest {

    /** Every step once, in order, and no compensation: what "completed exactly once" looks like in the history. */
    static final List<String> EVERY_STEP_ONCE = List.of(
            "Preflight", "Snapshot", "CloneBase", "CreateOverlay", "MirrorToOverlay", "CommitOverlay", "Cleanup");
    /** 128 + SIGKILL. */
    private static final int KILLED = 137;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aWorkerKilledMidCopyIsResumedByANewWorkerFromTheLastDurableOffset() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            int[][] writes = {{0x11, 1}, {0x22, 32}, {0x33, 63}};
            for (int[] write : writes) {
                vm.write(write[0], write[1]);
            }
            // Every byte of 64 MiB at 8 MiB/s: 8 s of copying, with a durable offset every second.
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = "plain";
            request.bandwidthMiBps = 8;
            request.keepSource = true; // A stays, to compare B with byte for byte
            String queue = startMigration(request);

            StepProgress durable;
            try (WorkerProcess first = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                durable = awaitHeartbeat(queue, "CloneBase", p -> p.resumeOffset() > 0);
                assertEquals(KILLED, first.kill());
            }
            Path partial = vm.dst.resolve("vda-moved.img.blockshift-partial");
            assertTrue(Files.exists(partial), "the dead worker's partial copy is there to resume from");
            assertFalse(Files.exists(vm.target()));

            MigrateDiskResult result = finishOnANewWorker(queue, vm);

            MigrationHistory history = MigrationHistory.of(client, queue);
            assertRetriedAfterAHeartbeatTimeout(history, "CloneBase");
            CloneReport clone = history.result("CloneBase", CloneReport.class);
            assertTrue(clone.resumedFrom() >= durable.resumeOffset(),
                    "resumed from " + clone.resumedFrom() + ", at or past the durable offset " + durable.resumeOffset() + " seen before the kill");
            assertEquals(64L << 20, clone.size());
            assertEquals(clone.size() - clone.resumedFrom(), clone.bytesCopied(), "the retry copied only the rest");
            assertEquals(clone.sourceChecksum(), clone.targetChecksum(), "the checksums cover the whole file and agree");
            assertEquals(clone.targetChecksum(), result.checksum());
            assertEquals(-1, Files.mismatch(vm.vda, vm.target()), "B is byte for byte A");
            assertEquals(List.of("dst/vda-moved.img", "src/vda.img", "src/vdb.img"), vm.files(),
                    "no partial copy, snapshot or overlay left; A kept as asked");
            for (int[] write : writes) {
                assertTrue(TestVm.holds(vm.target(), "raw", write[0], write[1]));
            }
        }
    }

    @Test
    void aWorkerKilledMidMirrorLeavesTheBlockJobInLibvirtForANewWorkerToPivot() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            for (int mib = 1; mib <= 3; mib++) {
                vm.write(0x10 + mib, mib);
            }
            // At 1 MiB/s the clone of A's 3 MiB takes 3 s, long enough to write 6 MiB to A' meanwhile;
            // mirroring those 6 MiB then takes 6 s.
            String queue = startSparseMigrationAt1MiBps(vm);

            try (WorkerProcess first = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                await("the guest writes to A'", () -> vm.liveDisk("vda").source().endsWith(".blockshift-top.qcow2"));
                for (int mib = 10; mib < 16; mib++) {
                    vm.write(0x66, mib);
                }
                awaitHeartbeat(queue, "MirrorToOverlay", p -> p.bytesDone() > 0);
                assertTrue(vm.liveDisk("vda").hasMirror(), "the mirror is running");
                assertEquals(KILLED, first.kill());
            }
            // The job belongs to libvirtd and QEMU, not to the client that started it: it carries on,
            // reaches READY and waits there, mirroring every new write, for someone to pivot it.
            assertTrue(vm.guest().disk("vda").blockJob().isPresent(), "the block job outlived the worker");

            pivotTheOrphanedJobOnANewWorker(queue, vm, "MirrorToOverlay");

            for (int mib = 1; mib <= 3; mib++) {
                assertTrue(TestVm.holds(vm.target(), "raw", 0x10 + mib, mib), "B holds what was written to A");
            }
            for (int mib = 10; mib < 16; mib++) {
                assertTrue(TestVm.holds(vm.target(), "raw", 0x66, mib), "B holds what was written to A' before the kill");
            }
        }
    }

    @Test
    void aWorkerKilledMidCommitLeavesTheJobForANewWorkerToPivot() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32)) {
            vm.write(0x11, 1);
            // At 1 MiB/s: the sparse clone of A's 1 MiB takes 1 s, mirroring the 2 MiB written to A' 2 s,
            // and the commit of those 2 MiB plus the 6 MiB written to B' 8 s.
            String queue = startSparseMigrationAt1MiBps(vm);

            try (WorkerProcess first = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                await("the guest writes to A'", () -> vm.liveDisk("vda").source().endsWith(".blockshift-top.qcow2"));
                vm.write(0x22, 2);
                vm.write(0x22, 3);
                await("the guest writes to B'", () -> vm.liveDisk("vda").source().endsWith(".blockshift-overlay.qcow2"));
                for (int mib = 10; mib < 16; mib++) {
                    vm.write(0x66, mib);
                }
                await("the active commit", () -> "active-commit".equals(vm.liveDisk("vda").mirrorJob()));
                assertFalse(vm.liveDisk("vda").mirrorReady(), "the commit still has data to move when the worker dies");
                assertEquals(KILLED, first.kill());
            }
            // As with the mirror, libvirtd and QEMU own the commit: it goes on, reaches READY, and waits
            // there on B' for someone to pivot it onto B.
            assertEquals("active-commit", vm.liveDisk("vda").mirrorJob(), "the commit outlived the worker");
            assertTrue(vm.liveDisk("vda").source().endsWith(".blockshift-overlay.qcow2"), "the guest is still on B'");

            pivotTheOrphanedJobOnANewWorker(queue, vm, "CommitOverlay");

            assertNull(vm.persistentDisk("vda").backingFile());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x11, 1), "B holds what was written to A");
            assertTrue(TestVm.holds(vm.target(), "raw", 0x22, 2), "B holds what was written to A'");
            assertTrue(TestVm.holds(vm.target(), "raw", 0x22, 3));
            for (int mib = 10; mib < 16; mib++) {
                assertTrue(TestVm.holds(vm.target(), "raw", 0x66, mib), "B holds what was written to B' before the kill");
            }
        }
    }

    /** Starts moving the VM's vda with the sparse cloner and every copy throttled to 1 MiB/s; returns its queue. */
    private static String startSparseMigrationAt1MiBps(TestVm vm) {
        MigrateDiskRequest request = request(vm, vm.target());
        request.cloner = "sparse";
        request.bandwidthMiBps = 1;
        return startMigration(request);
    }

    /** Starts a MigrateDisk on a task queue of its own, named as its workflow id, and returns that name. */
    static String startMigration(MigrateDiskRequest request) {
        String queue = TestVm.PREFIX + UUID.randomUUID();
        WorkflowClient.start(workflow(queue)::migrate, request);
        return queue;
    }

    /** Starts a second worker JVM and waits for the migration it takes over; checks the guest ended on B. */
    private static MigrateDiskResult finishOnANewWorker(String queue, TestVm vm) throws Exception {
        MigrateDiskResult result;
        try (WorkerProcess second = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
            result = client.newUntypedWorkflowStub(queue).getResult(90, TimeUnit.SECONDS, MigrateDiskResult.class);
        }
        assertEquals(vm.target().toString(), result.target());
        assertEquals(vm.target().toString(), vm.liveDisk("vda").source(), "the guest runs on B");
        assertEquals(vm.target().toString(), vm.persistentDisk("vda").source());
        assertFalse(vm.liveDisk("vda").hasBackingFile());
        assertFalse(vm.liveDisk("vda").hasMirror());
        return result;
    }

    /**
     * Waits for the dead worker's block job to reach READY, writes to the guest while no worker lives,
     * and lets a new worker pivot it: the retry takes the job over, B holds that write, A, A' and B' go.
     */
    private static void pivotTheOrphanedJobOnANewWorker(String queue, TestVm vm, String activityType) throws Exception {
        await("the orphaned job to reach READY", () -> vm.liveDisk("vda").mirrorReady());
        vm.write(0x77, 20);

        finishOnANewWorker(queue, vm);

        MigrationHistory history = MigrationHistory.of(client, queue);
        assertRetriedAfterAHeartbeatTimeout(history, activityType);
        assertTrue(history.result(activityType, BlockJobReport.class).resumed(),
                "the retry took over the running job instead of starting another");
        assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "A, A' and B' are gone");
        assertTrue(TestVm.holds(vm.target(), "raw", 0x77, 20), "B holds what was written while no worker lived");
    }

    /** The step ran twice in all (once on each worker), and the history holds each step once and one completion. */
    private static void assertRetriedAfterAHeartbeatTimeout(MigrationHistory history, String activityType) {
        assertEquals(EVERY_STEP_ONCE, history.scheduledActivities());
        assertEquals(1, history.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
        ActivityTaskStartedEventAttributes started = history.started(activityType);
        assertEquals(2, started.getAttempt(), activityType + " ran once on each worker");
        assertEquals(TimeoutType.TIMEOUT_TYPE_HEARTBEAT, started.getLastFailure().getTimeoutFailureInfo().getTimeoutType(),
                "the dead worker's attempt ended by its heartbeat timeout: " + started.getLastFailure());
    }

    /** The pending {@code activityType}'s latest heartbeat the server holds, once it satisfies {@code until}. */
    static StepProgress awaitHeartbeat(String workflowId, String activityType, Predicate<StepProgress> until)
            throws Exception {
        StepProgress[] seen = new StepProgress[1];
        await(activityType + " heartbeats", () -> {
            seen[0] = heartbeat(workflowId, activityType).orElse(null);
            return seen[0] != null && until.test(seen[0]);
        });
        return seen[0];
    }

    private static Optional<StepProgress> heartbeat(String workflowId, String activityType) {
        List<PendingActivityInfo> pending = client.getWorkflowServiceStubs().blockingStub()
                .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(client.getOptions().getNamespace())
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                        .build())
                .getPendingActivitiesList();
        return pending.stream()
                .filter(a -> a.getActivityType().getName().equals(activityType) && a.hasHeartbeatDetails())
                .findFirst()
                .map(a -> client.getOptions().getDataConverter().fromPayloads(
                        0, Optional.of(a.getHeartbeatDetails()), StepProgress.class, StepProgress.class));
    }

    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
