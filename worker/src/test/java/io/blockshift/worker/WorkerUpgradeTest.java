package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateDiskWorkflowImpl;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A worker upgraded in the middle of a migration: the worker of an older blockshift, built from this
 * repository's history, starts moving a disk and is killed with SIGKILL mid-copy; a worker of this build
 * replays that history, takes the copy over and finishes the migration; then it runs a migration of its own.
 */
class WorkerUpgradeTest extends LibvirtTemporalTest {

    /**
     * The last commit before MigrateDisk upserted search attributes (behind
     * {@code Workflow.getVersion("search-attributes", ...)}): its worker runs the workflow as it was before.
     */
    static final String OLDER_COMMIT = "b356c557200c9e431aa73875312f6ba8353c6c1b";
    /** 128 + SIGKILL. */
    private static final int KILLED = 137;

    @Test
    void aMigrationTheOlderBuildStartedIsFinishedByThisBuildAfterTheOlderWorkerIsKilled() throws Exception {
        // Built here rather than in a @BeforeAll: there, a skip (a shallow clone) would not show its reason.
        try (OlderBuild older = OlderBuild.build(OLDER_COMMIT); TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            // What B must hold in the end: A as it is before the migration, plus every later guest write.
            vm.write(0x11, 1);
            vm.write(0x12, 40);
            Path expected = Files.copy(vm.vda, vm.dir.resolve("expected-vda.img"));

            // Every byte of 64 MiB at 8 MiB/s: 8 s of copying, time enough to kill the older worker in the middle.
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = "plain";
            request.bandwidthMiBps = 8;
            String queue = TestVm.PREFIX + UUID.randomUUID();
            WorkflowClient.start(workflow(queue)::migrate, request);

            long olderPid;
            try (WorkerProcess olderWorker = older.startWorker(temporal.target(), queue, vm.dst)) {
                olderPid = olderWorker.pid();
                WorkerCrashTest.await("the guest writes to A'",
                        () -> vm.liveDisk("vda").source().endsWith(".blockshift-top.qcow2"));
                writeToGuestAndExpected(vm, expected, 0x22, 10);
                // An activity's started event reaches the history only when its attempt ends: the running
                // clone shows in the pending activity the server describes, with its heartbeat.
                WorkerCrashTest.awaitHeartbeat(queue, "CloneBase", progress -> progress.bytesDone() > 0);
                assertEquals(KILLED, olderWorker.kill());
            }
            writeToGuestAndExpected(vm, expected, 0x33, 20); // while no worker runs

            try (BlockshiftWorker current = BlockshiftWorker.start(client, queue, new StorageRoots(List.of(vm.dst)))) {
                MigrateDiskResult result = awaitResult(queue);

                assertEquals(vm.target().toString(), result.target());
                assertRunsOn(vm, "vda", vm.target());
                assertEquals(-1, Files.mismatch(expected, vm.target()),
                        "B is A as it was before the migration plus what the guest wrote during it");
                assertEquals(List.of("dst/vda-moved.img", "expected-vda.img", "src/vdb.img"), vm.files(),
                        "A, A', B' and the partial copy are gone");

                assertEveryStepCompletedOnceWithoutAFailedWorkflowTask(queue);
                assertEquals(2, MigrationHistory.of(client, queue).started("CloneBase").getAttempt(),
                        "the clone ran once on each worker");
                WorkflowExecutionHistory history = client.fetchHistory(queue);
                assertEquals(olderPid + "@", identityPrefix(workflowTasksCompleted(history).get(0)),
                        "the older build's worker started the migration");
                assertEquals(thisJvm(), identityPrefix(last(workflowTasksCompleted(history))),
                        "this build's worker finished it");
                WorkflowReplayer.replayWorkflowExecution(history, MigrateDiskWorkflowImpl.class);
                assertEquals(0, countEvents(history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
                        "a migration the older build started keeps the older logic to its end (no search attributes)");
                assertEquals(List.of(), MigrationHistory.of(client, queue).localActivities(),
                        "nor does it run local activities: every step an ordinary activity, as that build scheduled them");

                Path vdbTarget = vm.dst.resolve("vdb-moved.img");
                MigrateDiskRequest second = new MigrateDiskRequest(vm.name, "vdb", vdbTarget.toString());
                second.connectUri = TestVm.URI;
                String secondId = queue + "-vdb";
                WorkflowClient.start(client.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue)
                        .setWorkflowId(secondId)
                        .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                        .build())::migrate, second);
                assertEquals(vdbTarget.toString(), awaitResult(secondId).target());

                assertRunsOn(vm, "vdb", vdbTarget);
                assertRunsOn(vm, "vda", vm.target());
                assertEquals(List.of("dst/vda-moved.img", "dst/vdb-moved.img", "expected-vda.img"), vm.files());
                assertEveryStepCompletedOnceWithoutAFailedWorkflowTask(secondId);
                assertTrue(workflowTasksCompleted(client.fetchHistory(secondId)).stream()
                        .allMatch(task -> identityPrefix(task).equals(thisJvm())), "this build's worker ran it alone");
                assertTrue(countEvents(client.fetchHistory(secondId), EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) > 0,
                        "a migration this build starts takes the newer logic (it sets the search attributes)");
                assertEquals(List.of("Snapshot", "CreateOverlay", "Cleanup"), MigrationHistory.of(client, secondId).localActivities(),
                        "and runs its short steps as local activities, on the workflow's own queue");
            }
        }
    }

    /**
     * The migration's result. A workflow task that fails (this build's code does not replay the history) is
     * retried for ever, so the first one fails the test at once, with the worker's reason.
     */
    private static MigrateDiskResult awaitResult(String workflowId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            try {
                return client.newUntypedWorkflowStub(workflowId).getResult(2, TimeUnit.SECONDS, MigrateDiskResult.class);
            } catch (WorkflowServiceException e) {
                // The dev server answers RESOURCE_EXHAUSTED ("Workflow is busy") to a long poll while the
                // workflow's history is being written: ask again shortly.
                if (!(e.getCause() instanceof StatusRuntimeException grpc)
                        || grpc.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            } catch (TimeoutException stillRunning) {
                client.fetchHistory(workflowId).getEvents().stream()
                        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                        .findFirst()
                        .map(HistoryEvent::getWorkflowTaskFailedEventAttributes)
                        .ifPresent(failed -> fail("a workflow task failed, " + failed.getCause() + ": "
                                + failed.getFailure().getMessage()));
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(workflowId + " did not finish within 3 minutes", stillRunning);
                }
            }
        }
    }

    /** Writes 1 MiB of {@code pattern} at {@code offsetMiB} as the guest, and the same into the expected image. */
    private static void writeToGuestAndExpected(TestVm vm, Path expected, int pattern, int offsetMiB) throws Exception {
        vm.write(pattern, offsetMiB);
        Command.run(List.of("qemu-io", "-f", "raw", "-c",
                "write -P 0x" + Integer.toHexString(pattern) + " " + offsetMiB + "M 1M", expected.toString()),
                Duration.ofMinutes(1));
    }

    private static void assertRunsOn(TestVm vm, String disk, Path image) throws Exception {
        assertEquals(image.toString(), vm.liveDisk(disk).source(), disk + " runs on " + image);
        assertEquals(image.toString(), vm.persistentDisk(disk).source(), "the persistent definition names " + image);
        assertFalse(vm.liveDisk(disk).hasBackingFile());
        assertFalse(vm.liveDisk(disk).hasMirror());
    }

    /**
     * Each of the seven steps scheduled once and completed, no compensation, and no failed workflow task: a
     * worker whose code does not replay the history it is given (nondeterminism) fails its workflow tasks.
     */
    private static void assertEveryStepCompletedOnceWithoutAFailedWorkflowTask(String workflowId) {
        MigrationHistory history = MigrationHistory.of(client, workflowId);
        assertEquals(WorkerCrashTest.EVERY_STEP_ONCE, history.scheduledActivities(), "each step scheduled once, no compensation");
        assertEquals(WorkerCrashTest.EVERY_STEP_ONCE.size(), history.completedSteps(),
                "each step completed");
        assertEquals(0, history.count(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), "failed workflow tasks");
        assertEquals(1, history.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
    }

    private static long countEvents(WorkflowExecutionHistory history, EventType type) {
        return history.getEvents().stream().filter(e -> e.getEventType() == type).count();
    }

    private static List<HistoryEvent> workflowTasksCompleted(WorkflowExecutionHistory history) {
        return history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                .toList();
    }

    /** The "PID@" a worker's default identity ("PID@HOST") starts with. */
    private static String identityPrefix(HistoryEvent workflowTaskCompleted) {
        String identity = workflowTaskCompleted.getWorkflowTaskCompletedEventAttributes().getIdentity();
        return identity.substring(0, identity.indexOf('@') + 1);
    }

    private static String thisJvm() {
        return ProcessHandle.current().pid() + "@";
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }
}
