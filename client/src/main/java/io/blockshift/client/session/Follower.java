package io.blockshift.client.session;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import java.time.Duration;
import java.util.UUID;

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

    private final String workflowType;
    private final Class<R> resultType;
    private final Duration pollInterval;
    private final String noun;
    private final String cancelingNote;

    /**
     * {@code noun}: what the wait is for, in "still waiting for the ... to end"; {@code cancelingNote}:
     * what the first Ctrl-C tells the operator.
     */
    Follower(String workflowType, Class<R> resultType, Duration pollInterval, String noun, String cancelingNote) {
        this.workflowType = workflowType;
        this.resultType = resultType;
        this.pollInterval = pollInterval;
        this.noun = noun;
        this.cancelingNote = cancelingNote;
    }

    /** A workflow ID of {@code prefix}, the {@code parts} made safe, and 6 random hex digits. */
    static String defaultWorkflowId(String prefix, String... parts) {
        StringBuilder id = new StringBuilder(prefix);
        for (String part : parts) {
            id.append('-').append(part.replaceAll("[^A-Za-z0-9_.-]+", "_"));
        }
        return id.append('-').append(UUID.randomUUID().toString(), 0, 6).toString();
    }

    final String workflowType() {
        return workflowType;
    }

    final Class<R> resultType() {
        return resultType;
    }

    /** How often the display polls. */
    final Duration pollInterval() {
        return pollInterval;
    }

    final String cancelingNote() {
        return cancelingNote;
    }

    final String noun() {
        return noun;
    }

    /** The refusal when {@code workflowId} is already running. */
    abstract O alreadyRunning(String workflowId, WorkflowExecutionAlreadyStarted e);

    /** The outcome when a cancel ended (terminated) the workflow before any worker had run it. */
    abstract O endedUnstarted(String workflowId);

    abstract Watcher watch(WorkflowSession<R, O> session, WorkflowExecution execution);

    abstract O succeeded(String workflowId, R result, Watcher watcher);

    /** The outcome of a workflow that closed failed or canceled. */
    abstract O failed(String workflowId, WorkflowFailedException failed, Watcher watcher);
}
