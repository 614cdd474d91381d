package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.enums.v1.TimeoutType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExitCodesTest {

    @ParameterizedTest
    @CsvSource({
        "Refused, 3",
        "RolledBack, 4",
        "CommitIncomplete, 6",
        "RollbackIncomplete, 6",
        "Libvirt, 6",
        "SomethingNew, 6",
    })
    void failureTypesMapToExitCodes(String type, int exitCode) {
        assertEquals(exitCode, ExitCodes.forFailureType(type));
        assertEquals(exitCode, ExitCodes.of(workflowFailed(ApplicationFailure.newNonRetryableFailure("m", type))));
    }

    @Test
    void theWorkflowsOwnFailureDecidesNotTheActivityFailureItWraps() {
        ApplicationFailure activity = ApplicationFailure.newNonRetryableFailure("disk full", "CloneNO_SPACE");
        ActivityFailure wrapped = new ActivityFailure("activity failed", 5, 6, "CloneBase", "1",
                RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, "worker", activity);
        ApplicationFailure workflow = ApplicationFailure.newNonRetryableFailureWithCause(
                "step clone failed: disk full. Rolled back: the guest runs on /a.img alone.", "RolledBack", wrapped);

        WorkflowFailedException failed = workflowFailed(workflow);

        assertEquals(ExitCodes.ROLLED_BACK, ExitCodes.of(failed));
        assertEquals("RolledBack", ExitCodes.failureType(failed));
        assertEquals("step clone failed: disk full. Rolled back: the guest runs on /a.img alone.", ExitCodes.message(failed));
    }

    @Test
    void aCancelIsExitFive() {
        WorkflowFailedException failed = workflowFailed(new CanceledFailure("canceled"));
        assertEquals(ExitCodes.CANCELED, ExitCodes.of(failed));
        assertNull(ExitCodes.failureType(failed));
    }

    @Test
    void aCancelSurfacingThroughAnActivityIsExitFiveToo() {
        ActivityFailure wrapped = new ActivityFailure("activity canceled", 5, 6, "MirrorToOverlay", "1",
                RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, "worker", new CanceledFailure("canceled"));
        assertEquals(ExitCodes.CANCELED, ExitCodes.of(workflowFailed(wrapped)));
    }

    @Test
    void aFailureWithoutTypeNeedsALookByHand() {
        WorkflowFailedException failed = workflowFailed(
                new TimeoutFailure("timed out", null, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
        assertEquals(ExitCodes.NEEDS_ATTENTION, ExitCodes.of(failed));
    }

    @Test
    void aTerminationIsACancelOnlyWhenBlockshiftEndedAWorkflowNoWorkerHadStarted() {
        WorkflowFailedException unstarted = workflowFailed(new TerminatedFailure(ExitCodes.TERMINATED_UNSTARTED, null));
        assertEquals(ExitCodes.CANCELED, ExitCodes.of(unstarted));
        assertTrue(ExitCodes.message(unstarted).endsWith("nothing was changed"), ExitCodes.message(unstarted));

        WorkflowFailedException byHand = workflowFailed(new TerminatedFailure("stuck, said the operator", null));
        assertEquals(ExitCodes.NEEDS_ATTENTION, ExitCodes.of(byHand));
    }

    @ParameterizedTest
    @CsvSource({", 5", "Refused, 3", "RolledBack, 4", "RollbackIncomplete, 6", "CommitIncomplete, 6"})
    void aWorkflowClosedAsCanceledIsJudgedByTheFailureTypeItsStatusEndedWith(String failureType, int exitCode) {
        assertEquals(exitCode, ExitCodes.afterCancel(failureType));
    }

    @Test
    void theHelpFooterListsEveryCode() {
        String footer = String.join("\n", ExitCodes.HELP_FOOTER);
        for (int code : new int[] {ExitCodes.OK, ExitCodes.USAGE, ExitCodes.REFUSED, ExitCodes.ROLLED_BACK,
            ExitCodes.CANCELED, ExitCodes.NEEDS_ATTENTION, ExitCodes.UNREACHABLE}) {
            assertEquals(true, footer.contains("\n  " + code + "  "), "exit status " + code + " in " + footer);
        }
    }

    static WorkflowFailedException workflowFailed(Throwable cause) {
        return new WorkflowFailedException(WorkflowExecution.newBuilder().setWorkflowId("w").setRunId("r").build(),
                "MigrateDisk", EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 7, RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
                cause);
    }
}
