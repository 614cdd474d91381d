package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.verifyNoInteractions;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Cancels: rolled back before the pivot, ignored after it. */
class MigrateDiskCancelTest extends MigrateDiskTestBase {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.blockshift.workflows.Fixtures#stepsBeforePivot")
    void cancelBeforePivotRunsCompensationsOfStartedStepsAndEndsCanceled(Call running) throws Exception {
        WorkflowStub workflow = cancelDuring(running);

        WorkflowFailedException failed = workflowCloses(workflow);

        assertInstanceOf(CanceledFailure.class, failed.getCause());
        verifyCalls(Fixtures.callsOfRollBackAt(running));
    }

    @Test
    void cancelDuringCommitIsIgnoredAndTheMigrationRollsForwardToTheEnd() throws Exception {
        WorkflowStub workflow = cancelDuring(Call.COMMIT);
        workflowCloses(workflow); // as CANCELED, result dropped: see cancelDuringCommitCompletesWithCancelIgnored

        verifyCalls(Call.HAPPY_PATH);
        assertEquals("done", startedWorkflow().status().phase());
    }

    @Test
    void cancelDuringMirrorAfterThePivotRollsForwardToTheEnd() throws Exception {
        doReturn(Layer.OVERLAY).when(activities).activeLayer(any());
        WorkflowStub workflow = cancelDuring(Call.MIRROR);
        workflowCloses(workflow); // as CANCELED, result dropped: see cancelDuringCommitCompletesWithCancelIgnored

        verifyCalls(Call.ROLLED_FORWARD_AFTER_MIRROR);
        assertEquals("done", startedWorkflow().status().phase());
    }

    @Test
    void cancelDuringCommitClosesCanceledButTheStatusKeepsTheResultWithCancelIgnored() throws Exception {
        WorkflowStub workflow = cancelDuring(Call.COMMIT);

        // SDK rule: a workflow asked to cancel closes as CANCELED whatever it returns.
        assertInstanceOf(CanceledFailure.class, workflowCloses(workflow).getCause());
        MigrationStatus status = startedWorkflow().status();
        assertEquals("done", status.phase());
        assertTrue(status.result().cancelIgnored(), "cancelIgnored");
        assertEquals(Fixtures.TARGET, status.result().target());
    }

    @Test
    void compensationFailingAfterCancelLeavesTheRollbackIncompleteMessageInTheStatus() throws Exception {
        failOn(Call.DELETE_OVERLAY, "overlay busy");
        WorkflowStub workflow = cancelDuring(Call.MIRROR);

        assertInstanceOf(CanceledFailure.class, workflowCloses(workflow).getCause());
        MigrationStatus status = startedWorkflow().status();
        assertEquals("failed", status.phase());
        assertTrue(status.failure().contains("rolling back did not finish"), status.failure());
        assertTrue(status.failure().contains("overlay busy"), status.failure());
    }

    @Test
    void cancelDuringPreflightEndsCanceledAndChangesNothing() throws Exception {
        WorkflowStub workflow = cancelDuring(Call.PREFLIGHT);

        WorkflowFailedException failed = workflowCloses(workflow);

        assertInstanceOf(CanceledFailure.class, failed.getCause());
        verifyCalls(List.of(Call.PREFLIGHT));
        MigrationStatus status = startedWorkflow().status();
        assertEquals("canceled", status.phase(), "canceled, not refused");
        assertNull(status.failureType());
    }

    @Test
    void cancelWhilePreflightWaitsForItsHostsWorkerEndsCanceledNotRefused() throws Exception {
        MigrateDiskRequest request = Fixtures.request();
        request.host = "kvm-nobody-polls";
        MigrateDiskWorkflow workflow = newWorkflow();
        WorkflowClient.start(workflow::migrate, request);
        WorkflowStub stub = WorkflowStub.fromTyped(workflow);
        stub.cancel();

        assertInstanceOf(CanceledFailure.class, workflowCloses(stub).getCause());
        MigrationStatus status = startedWorkflow().status();
        assertEquals("canceled", status.phase());
        assertNull(status.failureType());
        verifyNoInteractions(activities);
    }

    private static WorkflowFailedException workflowCloses(WorkflowStub workflow) {
        return assertThrows(WorkflowFailedException.class, () -> workflow.getResult(MigrateDiskResult.class));
    }

    /**
     * Starts a migration, cancels it while {@code running} runs, and returns once the cancel reached
     * that activity, or, for one in a detached scope that never hears of it, once the service has it.
     */
    private WorkflowStub cancelDuring(Call running) throws InterruptedException {
        Blocker blocker = blockOn(running);
        WorkflowStub workflow = startMigration();
        blocker.awaitStarted();
        workflow.cancel();
        if (running == Call.COMMIT) {
            blocker.release();
        } else {
            blocker.awaitCanceled();
        }
        return workflow;
    }
}
