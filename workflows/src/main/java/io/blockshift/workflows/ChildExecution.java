package io.blockshift.workflows;

/**
 * One child {@code MigrateDisk} a fleet asks the server about.
 *
 * @param workflowId the child's workflow ID
 * @param runId its run ID, or null (a fleet carried over from before run IDs were kept): then the
 *     latest run of that workflow ID
 */
public record ChildExecution(String workflowId, String runId) {
}
