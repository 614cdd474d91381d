package io.blockshift.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Questions about a workflow where no answer is an answer: its query, asked with a deadline (a
 * display must not hang while no worker answers), and any call where "no such workflow" is one.
 */
public final class WorkflowQueries {

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

    /**
     * What {@code call} (about one workflow or run) returns, or empty when the server has no such
     * workflow or run; any other error is thrown.
     */
    public static <T> Optional<T> unlessNotFound(Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (WorkflowNotFoundException e) {
            return Optional.empty();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
