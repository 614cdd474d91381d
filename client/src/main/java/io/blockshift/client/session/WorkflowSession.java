package io.blockshift.client.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateDiskResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One workflow as the operator sees it, a migration ({@code migrate}, {@code demo}) or a fleet:
 * started with the operator's memo (or attached to), its progress shown on a
 * {@link ProgressDisplay} until it ends, Ctrl-C turned into a cancel (it rolls back) and the third
 * into giving up the wait, and its outcome summed up with its exit status. What differs between
 * the two kinds is a {@link Follower}'s.
 *
 * @param <R> the workflow's result
 * @param <O> how it ended
 */
public final class WorkflowSession<R, O extends SessionOutcome> {

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
    private final Follower<R, O> follower;
    /** Who asked and why: kept in the workflow's memo for the audit. */
    private Map<String, Object> memo = Map.of();

    private WorkflowSession(Follower<R, O> follower, WorkflowClient client, String taskQueue, ProgressDisplay display,
            String workerHint, String ifAbandoned) {
        this.follower = follower;
        this.client = client;
        this.taskQueue = taskQueue;
        this.display = display;
        this.workerHint = workerHint;
        this.ifAbandoned = ifAbandoned;
    }

    /**
     * A session of one {@code MigrateDisk}.
     *
     * @param workerHint the command that starts a worker, shown when none picks the workflow up;
     *     null when this process runs the worker itself
     * @param ifAbandoned what happens to a rollback the operator stops waiting for
     */
    public static WorkflowSession<MigrateDiskResult, MigrationOutcome> migration(WorkflowClient client, String taskQueue,
            ProgressDisplay display, String workerHint, String ifAbandoned) {
        return new WorkflowSession<>(new MigrationFollower(), client, taskQueue, display, workerHint, ifAbandoned);
    }

    /** A session of one {@code MigrateFleet}; as {@link #migration}. */
    public static WorkflowSession<FleetResult, FleetOutcome> fleet(WorkflowClient client, String taskQueue,
            ProgressDisplay display, String workerHint, String ifAbandoned) {
        return new WorkflowSession<>(new FleetFollower(), client, taskQueue, display, workerHint, ifAbandoned);
    }

    /** Who asked for it and why: kept in the workflow's memo for the audit. */
    public WorkflowSession<R, O> memo(Map<String, Object> memo) {
        this.memo = Map.copyOf(memo);
        return this;
    }

    /**
     * Starts the workflow with the one argument {@code temporal workflow start --input} gives it.
     *
     * @throws WorkflowExecutionAlreadyStarted when {@code workflowId} is running
     */
    public WorkflowStub start(Object request, String workflowId) {
        WorkflowStub stub = client.newUntypedWorkflowStub(follower.workflowType(), WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(taskQueue)
                .setMemo(memo)
                .build());
        stub.start(request);
        return stub;
    }

    /**
     * Starts the workflow, announces its workflow ID on {@code announce}, and follows it to the
     * end. A workflow ID already running is a refusal.
     */
    public O run(Object request, String workflowId, PrintStream announce) throws InterruptedException {
        AtomicInteger interrupts = new AtomicInteger();
        // Heard from before the start, so that no Ctrl-C leaves a workflow behind unannounced.
        try (Interrupts.Registration ignored = cancelOnInterrupt(interrupts)) {
            WorkflowStub stub;
            try {
                stub = start(request, workflowId);
            } catch (WorkflowExecutionAlreadyStarted e) {
                return follower.alreadyRunning(workflowId, e);
            }
            announce.println("workflow: " + workflowId);
            announce.flush();
            return follow(stub, interrupts);
        } finally {
            display.finish();
        }
    }

    /**
     * Follows a workflow that is already running (started elsewhere) to its end, showing its
     * progress. With {@code cancel}, asks it to cancel first: it rolls back if it can. Ctrl-C here
     * only stops watching (the JVM's default): the workflow goes on, or goes on canceling.
     */
    public O attach(String workflowId, boolean cancel) throws InterruptedException {
        try {
            return follow(client.newUntypedWorkflowStub(workflowId), new AtomicInteger(cancel ? 1 : 0));
        } finally {
            display.finish();
        }
    }

    private O follow(WorkflowStub stub, AtomicInteger interrupts) throws InterruptedException {
        WorkflowExecution execution = stub.getExecution();
        String id = execution.getWorkflowId();
        CompletableFuture<R> result = stub.getResultAsync(follower.resultType());
        Follower.Watcher watcher = follower.watch(this, execution);
        if (awaitEnd(stub, execution, result, interrupts, watcher)) {
            return follower.endedUnstarted(id);
        }
        try {
            return follower.succeeded(id, result.get(), watcher);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof WorkflowFailedException failed)) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
            return follower.failed(id, failed, watcher);
        }
    }

    /**
     * Counts each Ctrl-C in {@code interrupts} until closed ({@link #awaitEnd} cancels on the first),
     * and tells the operator: the first time the follower's note, then how many more presses stop
     * the wait; the last stops waiting and exits.
     */
    private Interrupts.Registration cancelOnInterrupt(AtomicInteger interrupts) {
        return Interrupts.onInterrupt(() -> {
            int count = interrupts.incrementAndGet();
            if (count == 1) {
                display.note(follower.cancelingNote());
            } else if (count < INTERRUPTS_TO_ABANDON) {
                display.note("still waiting for the " + follower.noun() + " to end; press Ctrl-C "
                        + (INTERRUPTS_TO_ABANDON - count) + " more time(s) to stop waiting: " + ifAbandoned);
            } else {
                display.finish();
                System.err.println("stopped waiting: " + ifAbandoned);
                System.exit(Interrupts.EXIT_INTERRUPTED);
            }
        });
    }

    /**
     * Polls {@code watcher} every interval until {@code result} is done (either way), and cancels
     * the workflow once {@code interrupts} counts a Ctrl-C (or starts at 1 for a cancel).
     *
     * @return whether the cancel terminated a workflow no worker had run (see {@link #cancelOrEnd})
     */
    private boolean awaitEnd(WorkflowStub stub, WorkflowExecution execution, CompletableFuture<?> result,
            AtomicInteger interrupts, Follower.Watcher watcher) throws InterruptedException {
        boolean endedUnstarted = false;
        boolean cancelSent = false;
        while (!result.isDone()) {
            if (interrupts.get() > 0 && !cancelSent) {
                cancelSent = true;
                endedUnstarted = cancelOrEnd(client, stub, execution);
            }
            watcher.poll();
            try {
                result.get(follower.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
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

    // ------------------------------------------------------------------ reporting

    /**
     * Prints the outcome (its summary on {@code out} and, unless it succeeded, its message on
     * {@code err}; or JSON on {@code out}) and returns its exit status.
     */
    public static int report(SessionOutcome outcome, boolean json, PrintStream out, PrintStream err) {
        if (json) {
            out.println(outcomeJson(outcome));
        } else {
            outcome.summary().forEach(out::println);
        }
        if (outcome.message() != null) {
            err.println(ExitCodes.outcome(outcome.exitCode()) + ": " + outcome.message());
        }
        return outcome.exitCode();
    }

    /** The outcome as one JSON object, for {@code --json}: {@code workflowId}, {@code outcome}, {@code exitCode}, then its own. */
    public static String outcomeJson(SessionOutcome outcome) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("workflowId", outcome.workflowId());
        json.put("outcome", ExitCodes.outcome(outcome.exitCode()));
        json.put("exitCode", outcome.exitCode());
        outcome.putJson(json);
        return toJson(json);
    }

    /** {@code value} as indented JSON, for {@code --json}. */
    public static String toJson(Object value) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
