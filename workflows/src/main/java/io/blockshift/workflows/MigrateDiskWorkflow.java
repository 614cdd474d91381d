package io.blockshift.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Moves one disk of a running VM to new storage with no guest downtime. */
@WorkflowInterface
public interface MigrateDiskWorkflow {

    /** The workflow type operators pass to {@code temporal workflow start --type}. */
    String TYPE = "MigrateDisk";

    /** The default task queue. */
    String TASK_QUEUE = "blockshift";

    @WorkflowMethod(name = TYPE)
    MigrateDiskResult migrate(MigrateDiskRequest request);

    @QueryMethod
    MigrationStatus status();
}
