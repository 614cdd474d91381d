package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import org.junit.jupiter.api.Test;

/** How a fleet counts a child from the child's result, without Temporal. */
class ChildOutcomesTest {

    static final FleetDisk DISK = new FleetDisk(3, new MigrateDiskRequest("vm1", "vda", "/new/vm1.img"),
            "migrate-disk/local/uuid/vda", "local/uuid", "local", "/new", 1, null);

    private static ChildWorkflowFailure childFailed(Throwable cause) {
        return new ChildWorkflowFailure(0, 0, "MigrateDisk",
                WorkflowExecution.newBuilder().setWorkflowId(DISK.workflowId()).build(), "default",
                RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, cause);
    }

    @Test
    void aChildThatCompletedIsDone() {
        assertEquals(new DiskOutcome(DISK.workflowId(), "done", null), ChildOutcomes.of(DISK, null));
    }

    @Test
    void aChildThatRolledBackFailedInItsOwnWords() {
        DiskOutcome outcome = ChildOutcomes.of(DISK, childFailed(
                ApplicationFailure.newNonRetryableFailure("step clone failed: disk full. Rolled back.", "RolledBack")));

        assertEquals(new DiskOutcome(DISK.workflowId(), "failed", "step clone failed: disk full. Rolled back."), outcome);
    }

    @Test
    void aChildThatWasRefusedIsRefused() {
        DiskOutcome outcome = ChildOutcomes.of(DISK, childFailed(
                ApplicationFailure.newNonRetryableFailure("no such disk. Nothing was changed.", "Refused")));

        assertEquals(new DiskOutcome(DISK.workflowId(), "refused", "no such disk. Nothing was changed."), outcome);
    }

    @Test
    void aChildThatWasCanceledRolledBack() {
        assertEquals(new DiskOutcome(DISK.workflowId(), "canceled", "canceled; rolled back"),
                ChildOutcomes.of(DISK, childFailed(new CanceledFailure("canceled"))));
    }

    @Test
    void aDiskAnotherWorkflowIsMigratingIsRefusedNamingThatWorkflow() {
        WorkflowExecutionAlreadyStarted running = new WorkflowExecutionAlreadyStarted(
                WorkflowExecution.newBuilder().setWorkflowId(DISK.workflowId()).build(), "MigrateDisk", null);

        assertEquals(new DiskOutcome(DISK.workflowId(), "refused", "already being migrated by the running workflow "
                + DISK.workflowId() + "; this fleet did not start another"), ChildOutcomes.of(DISK, childFailed(running)));
    }
}
