package io.blockshift.workflows;

import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;

/** How a fleet counts a child it started, from the child's result: the same outcomes the child reports by signal. */
final class ChildOutcomes {

    private ChildOutcomes() {
    }

    /** {@code failure} is what the child's result failed with, or null when it completed. */
    static DiskOutcome of(FleetDisk disk, RuntimeException failure) {
        if (failure == null) {
            return DiskOutcome.of(disk.workflowId(), Outcome.DONE, null);
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WorkflowExecutionAlreadyStarted) {
                return DiskOutcome.of(disk.workflowId(), Outcome.REFUSED,
                        "already being migrated by the running workflow " + disk.workflowId()
                                + "; this fleet did not start another");
            }
        }
        Throwable cause = failure instanceof ChildWorkflowFailure && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof CanceledFailure) {
            return DiskOutcome.of(disk.workflowId(), Outcome.CANCELED, "canceled; rolled back");
        }
        String type = cause instanceof ApplicationFailure app ? app.getType() : null;
        return DiskOutcome.of(disk.workflowId(), FailureType.REFUSED.is(type) ? Outcome.REFUSED : Outcome.FAILED,
                MigrationFailures.messageOf(cause));
    }
}
