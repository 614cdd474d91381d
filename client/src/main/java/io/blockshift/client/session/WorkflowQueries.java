package io.blockshift.client.session;

import io.blockshift.workflows.StepProgress;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Questions about a workflow where no answer is an answer: its query and its description, asked
 * with a deadline (a display must not hang while no worker answers), the progress its activities
 * heartbeat, and any call where "no such workflow" is one.
 */
public final class WorkflowQueries {

    private static final Duration DEADLINE = Duration.ofSeconds(1);

    private WorkflowQueries() {
    }

    /**
     * The answer of the latest run of {@code workflowId} to {@code queryType}, or empty when no
     * worker answers within a second (or there is no such workflow).
     */
    public static <T> Optional<T> ask(WorkflowClient client, String workflowId, String queryType, Class<T> answerType) {
        return ask(client, WorkflowExecution.newBuilder().setWorkflowId(workflowId).build(), queryType, answerType);
    }

    /** As {@link #ask(WorkflowClient, String, String, Class)}, of one run ({@code execution}). */
    static <T> Optional<T> ask(WorkflowClient client, WorkflowExecution execution, String queryType, Class<T> answerType) {
        try {
            Payloads answer = stub(client).queryWorkflow(QueryWorkflowRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(execution)
                            .setQuery(WorkflowQuery.newBuilder().setQueryType(queryType))
                            .build())
                    .getQueryResult();
            return Optional.ofNullable(client.getOptions().getDataConverter()
                    .fromPayloads(0, Optional.of(answer), answerType, answerType));
        } catch (RuntimeException noAnswer) {
            return Optional.empty();
        }
    }

    /** The server's description of {@code execution} (its pending activities), or empty when it does not answer in time. */
    static Optional<DescribeWorkflowExecutionResponse> describe(WorkflowClient client, WorkflowExecution execution) {
        try {
            return Optional.of(stub(client).describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(client.getOptions().getNamespace()).setExecution(execution).build()));
        } catch (RuntimeException noAnswer) {
            return Optional.empty();
        }
    }

    /** The progress a pending activity last heartbeat, or empty when it sent none (or something else). */
    static Optional<StepProgress> heartbeat(WorkflowClient client, PendingActivityInfo activity) {
        if (!activity.hasHeartbeatDetails()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(client.getOptions().getDataConverter().fromPayloads(0,
                    Optional.of(activity.getHeartbeatDetails()), StepProgress.class, StepProgress.class));
        } catch (RuntimeException notProgress) {
            return Optional.empty();
        }
    }

    /** The server's stub, its calls bound by the deadline. */
    static WorkflowServiceBlockingStub stub(WorkflowClient client) {
        return client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The latest run of {@code workflowId}, or empty when there is none. */
    public static Optional<WorkflowExecutionDescription> latestRun(WorkflowClient client, String workflowId) {
        return unlessNotFound(() -> client.newUntypedWorkflowStub(workflowId).describe());
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
