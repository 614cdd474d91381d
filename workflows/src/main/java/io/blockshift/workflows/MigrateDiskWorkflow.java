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

    /** The task queue of the activities of migrations on {@code host}, which {@code blockshift worker --host} polls. */
    static String hostTaskQueue(String host) {
        return "blockshift-host-" + host;
    }

    @WorkflowMethod(name = TYPE)
    MigrateDiskResult migrate(MigrateDiskRequest request);

    @QueryMethod
    MigrationStatus status();
}
