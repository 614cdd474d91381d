package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.verifyNoInteractions;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
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

    /** Cancels after the point of no return: during the commit, and during a mirror that had pivoted when it failed. */
    static Stream<Arguments> cancelsAfterThePivot() {
        return Stream.of(
                arguments(Call.COMMIT, null, Call.HAPPY_PATH),
                arguments(Call.MIRROR, Layer.OVERLAY, Call.ROLLED_FORWARD_AFTER_MIRROR));
    }

    @ParameterizedTest(name = "during {0}, the guest on {1}")
    @MethodSource("cancelsAfterThePivot")
    void cancelAfterThePivotIsIgnoredAndTheMigrationRollsForwardToTheEnd(Call running, Layer guestOn, List<Call> calls)
            throws Exception {
        if (guestOn != null) {
            doReturn(guestOn).when(activities).activeLayer(any());
        }
        WorkflowStub workflow = cancelDuring(running);
        workflowCloses(workflow); // as CANCELED, result dropped: see the test after this one

        verifyCalls(calls);
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
}
