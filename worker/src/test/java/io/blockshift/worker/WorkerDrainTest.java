package io.blockshift.worker;

import static io.blockshift.worker.WorkerCrashTest.EVERY_STEP_ONCE;
import static io.blockshift.worker.WorkerCrashTest.awaitHeartbeat;
import static io.blockshift.worker.WorkerCrashTest.startMigration;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.StepProgress;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A worker stopped with SIGTERM mid-copy while a second worker polls the same queue: the first stops
 * polling, stops its copy at once (the copy resumes elsewhere from its durable offset) and exits
 * within its drain; the second resumes the copy, with no wait for a heartbeat timeout, and finishes.
 */
class WorkerDrainTest extends LibvirtTemporalTest {

    /** 128 + SIGTERM: the JVM's status after its shutdown hooks ran. */
    private static final int TERMINATED = 143;

    @Test
    void aWorkerStoppedMidCopyDrainsAndTheOtherWorkerResumesTheCopyAtOnce() throws Exception {
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

            MigrateDiskResult result;
            StepProgress durable;
            long terminatedAt;
            try (WorkerProcess first = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                durable = awaitHeartbeat(queue, "CloneBase", p -> p.resumeOffset() > 0);
                try (WorkerProcess second = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                    Thread.sleep(3000); // its JVM up and polling
                    long start = System.nanoTime();
                    assertEquals(TERMINATED, first.terminate());
                    terminatedAt = System.nanoTime();
                    assertTrue(terminatedAt - start < TimeUnit.SECONDS.toNanos(WorkerProcess.DRAIN.toSeconds()),
                            "the copy did not hold up the drain: the worker exited within its drain time");
                    result = client.newUntypedWorkflowStub(queue).getResult(90, TimeUnit.SECONDS, MigrateDiskResult.class);
                }
            }

            MigrationHistory history = MigrationHistory.of(client, queue);
            assertEquals(EVERY_STEP_ONCE, history.scheduledActivities(), "each step once, no compensation");
            assertEquals(1, history.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED));
            ActivityTaskStartedEventAttributes retried = history.started("CloneBase");
            assertEquals(2, retried.getAttempt(), "the copy ran once on each worker");
            assertEquals("Interrupted", retried.getLastFailure().getApplicationFailureInfo().getType(),
                    "the drained attempt reported its stop (no heartbeat timeout to wait for): " + retried.getLastFailure());
            assertTrue(retried.getLastFailure().getMessage().contains("drain"), retried.getLastFailure().getMessage());
            CloneReport clone = history.result("CloneBase", CloneReport.class);
            assertTrue(clone.resumedFrom() >= durable.resumeOffset(), "resumed from " + clone.resumedFrom()
                    + ", at or past the durable offset " + durable.resumeOffset());
            assertEquals(clone.size() - clone.resumedFrom(), clone.bytesCopied(), "the retry copied only the rest");
            assertEquals(clone.sourceChecksum(), clone.targetChecksum());
            assertEquals(-1, Files.mismatch(vm.vda, vm.target()), "B is byte for byte A");
            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source(), "the guest runs on B");
            assertEquals(List.of("dst/vda-moved.img", "src/vda.img", "src/vdb.img"), vm.files(),
                    "no partial copy, snapshot or overlay left; A kept as asked");
            for (int[] write : writes) {
                assertTrue(TestVm.holds(vm.target(), "raw", write[0], write[1]));
            }
        }
    }
}
