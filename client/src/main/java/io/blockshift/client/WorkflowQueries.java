package io.blockshift.client;

import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A workflow's query, asked with a deadline: a display must not hang while no worker answers. */
final class WorkflowQueries {

    private static final Duration DEADLINE = Duration.ofSeconds(1);

    private WorkflowQueries() {
    }

    /**
     * The answer of the latest run of {@code workflowId} to {@code queryType}, or empty when no
     * worker answers within a second (or there is no such workflow).
     */
    static <T> Optional<T> ask(WorkflowClient client, String workflowId, String queryType, Class<T> answerType) {
        try {
            Payloads answer = client.getWorkflowServiceStubs().blockingStub()
                    .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .queryWorkflow(QueryWorkflowRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                            .setQuery(WorkflowQuery.newBuilder().setQueryType(queryType))
                            .build())
                    .getQueryResult();
            return Optional.ofNullable(client.getOptions().getDataConverter()
                    .fromPayloads(0, Optional.of(answer), answerType, answerType));
        } catch (RuntimeException noAnswer) {
            return Optional.empty();
        }
    }
}
