package io.blockshift.client.session;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import java.time.Duration;

/**
 * What following one kind of workflow takes beyond what {@link WorkflowSession} does for every
 * kind: its type and result, what it says to the operator, what each poll shows, and how its end
 * reads.
 *
 * @param <R> the workflow's result
 * @param <O> how it ended
 */
abstract class Follower<R, O extends SessionOutcome> {

    /** What one poll of a running workflow shows, and what the last poll saw. */
    interface Watcher {
        void poll();
    }

    abstract String workflowType();

    abstract Class<R> resultType();

    /** How often the display polls. */
    abstract Duration pollInterval();

    /** What the first Ctrl-C tells the operator. */
    abstract String cancelingNote();

    /** What the wait is for, in "still waiting for the ... to end". */
    abstract String noun();

    /** The refusal when {@code workflowId} is already running. */
    abstract O alreadyRunning(String workflowId, WorkflowExecutionAlreadyStarted e);

    /** The outcome when a cancel ended (terminated) the workflow before any worker had run it. */
    abstract O endedUnstarted(String workflowId);

    abstract Watcher watch(WorkflowSession<R, O> session, WorkflowExecution execution);

    abstract O succeeded(String workflowId, R result, Watcher watcher);

    /** The outcome of a workflow that closed failed or canceled. */
    abstract O failed(String workflowId, WorkflowFailedException failed, Watcher watcher);
}
