package io.blockshift.workflows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Activity side of {@link FleetActivities#closedChildren}: asks the Temporal server how the given
 * child workflows stand and answers, for those closed, the outcome the fleet counts. A child
 * that ran its own code to the end has already reported by signal, so what this finds is
 * mostly a child closed from outside (terminated, timed out) in the middle of its steps.
 */
public final class ClosedChildren {

    private ClosedChildren() {
    }

    public static List<DiskOutcome> find(WorkflowClient client, List<ChildExecution> children) {
        List<DiskOutcome> closed = new ArrayList<>();
        for (ChildExecution child : children) {
            WorkflowExecutionDescription description;
            try {
                description = client.newUntypedWorkflowStub(child.workflowId(), Optional.ofNullable(child.runId()),
                        Optional.empty()).describe();
            } catch (WorkflowNotFoundException e) {
                closed.add(unknown(child));
                continue;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e;
                }
                closed.add(unknown(child));
                continue;
            }
            WorkflowExecutionStatus status = description.getStatus();
            switch (status) {
                case WORKFLOW_EXECUTION_STATUS_RUNNING, WORKFLOW_EXECUTION_STATUS_UNSPECIFIED -> {
                }
                case WORKFLOW_EXECUTION_STATUS_COMPLETED -> closed.add(DiskOutcome.of(child.workflowId(), Outcome.DONE, null));
                case WORKFLOW_EXECUTION_STATUS_CANCELED -> closed.add(DiskOutcome.of(child.workflowId(),
                        Outcome.CANCELED, "closed canceled without reporting to the fleet" + memoOutcome(description)));
                default -> closed.add(DiskOutcome.of(child.workflowId(), Outcome.FAILED, words(status)
                        + " without reporting to the fleet: its steps stopped wherever they were. Check the disk's chain "
                        + "('virsh domblklist --details') and the migration's history ('temporal workflow show "
                        + "--workflow-id " + child.workflowId() + "') before migrating it again"));
            }
        }
        return closed;
    }

    private static DiskOutcome unknown(ChildExecution child) {
        return DiskOutcome.of(child.workflowId(), Outcome.FAILED, "the Temporal server no longer knows this migration "
                + "(its history expired?): check the disk's chain ('virsh domblklist --details') by hand");
    }

    /** {@code terminated} of WORKFLOW_EXECUTION_STATUS_TERMINATED, {@code timed out} of ..._TIMED_OUT. */
    static String words(WorkflowExecutionStatus status) {
        return status.name().substring("WORKFLOW_EXECUTION_STATUS_".length()).replace('_', ' ').toLowerCase(Locale.ROOT);
    }

    /** What MigrateDisk's memo says happened: a cancel after the pivot still migrates the disk. */
    private static String memoOutcome(WorkflowExecutionDescription description) {
        String outcome = description.getMemo(Memo.OUTCOME, String.class, String.class);
        return outcome == null ? "" : "; its memo says: " + outcome;
    }
}
