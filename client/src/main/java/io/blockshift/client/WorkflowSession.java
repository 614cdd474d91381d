package io.blockshift.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@link MigrationSession} and {@link FleetSession} share: one workflow started with the
 * operator's memo and followed on a {@link ProgressDisplay} until it ends, Ctrl-C turned into a
 * cancel, and the third Ctrl-C into giving up the wait.
 */
abstract class WorkflowSession {

    /** After this long without a worker answering, tell the operator to start one. */
    static final Duration WORKER_HINT_AFTER = Duration.ofSeconds(5);
    /** Ctrl-C this many times stops waiting for a cancel to end. */
    private static final int INTERRUPTS_TO_ABANDON = 3;

    final WorkflowClient client;
    final String taskQueue;
    final ProgressDisplay display;
    /** The command that starts a worker, shown when none picks the workflow up; null when this process runs the worker. */
    final String workerHint;
    /** What happens to a cancel the operator stops waiting for. */
    private final String ifAbandoned;
    /** Who asked and why: kept in the workflow's memo for the audit. */
    Map<String, Object> memo = Map.of();

    WorkflowSession(WorkflowClient client, String taskQueue, ProgressDisplay display, String workerHint,
            String ifAbandoned) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.display = display;
        this.workerHint = workerHint;
        this.ifAbandoned = ifAbandoned;
    }

    /** A stub that starts a {@code workflowType} named {@code workflowId} on the task queue, with the memo. */
    final WorkflowStub newWorkflow(String workflowType, String workflowId) {
        return client.newUntypedWorkflowStub(workflowType, WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(taskQueue)
                .setMemo(memo)
                .build());
    }

    /**
     * Counts each Ctrl-C in {@code interrupts} until closed ({@link #awaitEnd} cancels on the first),
     * and tells the operator: the first time {@code canceling}, then how many more presses stop the
     * wait for the {@code followed} ("workflow", "fleet") to end; the last stops waiting and exits.
     */
    final Interrupts.Registration cancelOnInterrupt(AtomicInteger interrupts, String canceling, String followed) {
        return Interrupts.onInterrupt(() -> {
            int count = interrupts.incrementAndGet();
            if (count == 1) {
                display.note(canceling);
            } else if (count < INTERRUPTS_TO_ABANDON) {
                display.note("still waiting for the " + followed + " to end; press Ctrl-C " + (INTERRUPTS_TO_ABANDON - count)
                        + " more time(s) to stop waiting: " + ifAbandoned);
            } else {
                display.finish();
                System.err.println("stopped waiting: " + ifAbandoned);
                System.exit(Interrupts.EXIT_INTERRUPTED);
            }
        });
    }

    /**
     * Calls {@code poll} every {@code interval} until {@code result} is done (either way), and
     * cancels the workflow once {@code interrupts} counts a Ctrl-C (or starts at 1 for a cancel).
     *
     * @return whether the cancel terminated a workflow no worker had run (see {@link #cancelOrEnd})
     */
    final boolean awaitEnd(WorkflowStub stub, WorkflowExecution execution, CompletableFuture<?> result,
            AtomicInteger interrupts, Duration interval, Runnable poll) throws InterruptedException {
        boolean endedUnstarted = false;
        boolean cancelSent = false;
        while (!result.isDone()) {
            if (interrupts.get() > 0 && !cancelSent) {
                cancelSent = true;
                endedUnstarted = cancelOrEnd(client, stub, execution);
            }
            poll.run();
            try {
                result.get(interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException stillRunningOrEnded) {
                // The loop's condition tells which.
            }
        }
        display.finish();
        return endedUnstarted;
    }

    /**
     * Cancels the workflow, so that it rolls back. The first run of a workflow that no worker has
     * run yet has done nothing and would wait for a worker to hear the cancel: it is terminated
     * instead. A run that a continue-as-new started is always canceled: the runs before it did the
     * work (a fleet's children outlive the run that started them and roll back only when it hears
     * the cancel).
     *
     * @return whether it was terminated
     */
    static boolean cancelOrEnd(WorkflowClient client, WorkflowStub stub, WorkflowExecution execution) {
        if (unstartedFirstRun(client, execution)) {
            try {
                stub.terminate(ExitCodes.TERMINATED_UNSTARTED);
                return true;
            } catch (RuntimeException alreadyEnded) {
                // A worker got to it meanwhile, or it ended: cancel as usual.
            }
        }
        try {
            stub.cancel();
        } catch (RuntimeException ended) {
            // It ended meanwhile: the result says how.
        }
        return false;
    }

    private static boolean unstartedFirstRun(WorkflowClient client, WorkflowExecution execution) {
        try {
            return unstartedFirstRun(client.fetchHistory(execution.getWorkflowId(), execution.getRunId()).getEvents());
        } catch (RuntimeException cannotTell) {
            return false;
        }
    }

    /**
     * Whether {@code events} (a run's history) are of the first run of its chain, not one a
     * continue-as-new started, and no worker has completed a single workflow task of it yet.
     */
    static boolean unstartedFirstRun(List<HistoryEvent> events) {
        if (events.isEmpty() || !events.get(0).hasWorkflowExecutionStartedEventAttributes()) {
            return false;
        }
        boolean continued = !events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId().isEmpty();
        return !continued && events.stream()
                .noneMatch(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    }

    /** {@code value} as indented JSON, for {@code --json}. */
    static String toJson(Object value) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
