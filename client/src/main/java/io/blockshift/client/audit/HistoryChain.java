package io.blockshift.client.audit;

import io.blockshift.client.session.WorkflowQueries;
import io.grpc.StatusRuntimeException;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.WorkflowExecutionHistory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The runs of one workflow as the server keeps them, oldest first: the run asked for and every run
 * it continued as new from, back to the first or to the first the server no longer has.
 *
 * @param runs the histories, oldest first
 * @param earlierRunsNotRead why the chain does not begin with the first run, or null
 */
record HistoryChain(List<WorkflowExecutionHistory> runs, String earlierRunsNotRead) {

    /**
     * {@code workflowId}'s run {@code runId} (null: the latest) and the runs before it.
     *
     * @throws WorkflowNotFoundException or a {@link StatusRuntimeException} when the server has no such run
     */
    static HistoryChain fetch(WorkflowClient client, String workflowId, String runId) {
        WorkflowExecutionHistory asked = runId == null ? client.fetchHistory(workflowId) : client.fetchHistory(workflowId, runId);
        Deque<WorkflowExecutionHistory> chain = new ArrayDeque<>(List.of(asked));
        String notRead = null;
        for (String previous = continuedFrom(asked); previous != null; previous = continuedFrom(chain.peekFirst())) {
            Optional<WorkflowExecutionHistory> run = run(client, workflowId, previous);
            if (run.isEmpty()) {
                notRead = "the run before them, " + previous + ", and any earlier are no longer on the server";
                break;
            }
            chain.addFirst(run.get());
        }
        return new HistoryChain(List.copyOf(chain), notRead);
    }

    /** One run's history, or empty when the server does not have it (any more). */
    static Optional<WorkflowExecutionHistory> run(WorkflowClient client, String workflowId, String runId) {
        return WorkflowQueries.unlessNotFound(() -> client.fetchHistory(workflowId, runId));
    }

    /** The run this one continued as new from, or null for the first run (or a run never continued). */
    static String continuedFrom(WorkflowExecutionHistory history) {
        HistoryEvent first = history.getEvents().isEmpty() ? null : history.getEvents().get(0);
        if (first == null || !first.hasWorkflowExecutionStartedEventAttributes()) {
            return null;
        }
        String previous = first.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
        return previous.isEmpty() ? null : previous;
    }
}
