package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.libvirt.DomainInfo.DomainState;

/**
 * The lock that keeps a shut-off VM from starting on A dies with the worker that holds it. A VM
 * started while no worker lived, still running or stopped again by the time a new worker takes
 * over, is never defined on a copy that may miss its writes: the move rolls back, A stays.
 */
class ColdMoveCrashTest extends LibvirtTemporalTest {

    @ParameterizedTest(name = "still running: {0}")
    @ValueSource(booleans = {true, false})
    void aVmStartedWhileTheCopyingWorkerWasDeadIsNeverDefinedOnBAndTheMoveRollsBack(boolean stillRunning)
            throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32)) {
            vm.stop();
            vm.writeWhileShutOff(0x5a, 3);
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = "plain";
            request.bandwidthMiBps = 4; // 32 MiB: 8 s of copying
            String queue = TestVm.PREFIX + UUID.randomUUID();
            WorkflowClient.start(workflow(queue)::migrate, request);

            try (WorkerProcess first = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                WorkerCrashTest.awaitHeartbeat(queue, "CloneBase", p -> p.resumeOffset() > 0);
                first.kill();
            }
            // No worker holds A now: the VM starts on it and writes.
            vm.startAgain();
            vm.write(0x66, 10);
            if (!stillRunning) {
                vm.stop();
            }

            WorkflowFailedException failed;
            try (WorkerProcess second = WorkerProcess.start(temporal.target(), queue, vm.dst)) {
                failed = assertThrows(WorkflowFailedException.class, () -> client.newUntypedWorkflowStub(queue)
                        .getResult(90, TimeUnit.SECONDS, MigrateDiskResult.class));
            }

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, failed.getCause());
            assertEquals("RolledBack", failure.getType(), failure::getOriginalMessage);
            assertTrue(failure.getOriginalMessage().contains("step define failed"), failure.getOriginalMessage());
            assertTrue(failure.getOriginalMessage().contains(stillRunning ? "open for writing" : "was written after"),
                    failure.getOriginalMessage());
            assertEquals(stillRunning ? DomainState.VIR_DOMAIN_RUNNING : DomainState.VIR_DOMAIN_SHUTOFF, vm.state());
            assertEquals(vm.vda.toString(), vm.persistentDisk("vda").source(), "still defined on A");
            if (stillRunning) {
                assertEquals(vm.vda.toString(), vm.liveDisk("vda").source(), "still running on A");
            }
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "B, its partial copy and the claim are gone");
            assertTrue(TestVm.holds(vm.vda, "raw", 0x5a, 3));
            assertTrue(TestVm.holds(vm.vda, "raw", 0x66, 10), "A holds what the VM wrote meanwhile");
        }
    }
}
