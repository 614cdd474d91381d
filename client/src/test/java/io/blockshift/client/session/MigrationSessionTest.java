package io.blockshift.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrationStatus;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.StepProgress;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.ContinueAsNewOptions;
import java.util.Map;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The session against Temporal's in-memory server and a scripted stand-in for MigrateDisk: the
 * request's domain says what the workflow does ({@code ok}, {@code wait} for a cancel, or fail with
 * that failure type).
 */
class MigrationSessionTest {

    private static final String QUEUE = "session-test";
    /** A task queue no worker polls. */
    private static final String NO_WORKER = "session-test-no-worker";
    private static TestWorkflowEnvironment env;

    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final ByteArrayOutputStream announced = new ByteArrayOutputStream();

    @BeforeAll
    static void startServer() {
        env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
        SearchAttributes.registerWith(env::registerSearchAttribute);
        Worker worker = env.newWorker(QUEUE, WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(200))
                .setDefaultHeartbeatThrottleInterval(Duration.ofMillis(200))
                .build());
        worker.registerWorkflowImplementationTypes(ScriptedMigration.class);
        worker.registerActivitiesImplementations(new HeartbeatingCopy());
        env.start();
    }

    @AfterAll
    static void stopServer() {
        env.close();
    }

    private WorkflowSession<MigrateDiskResult, MigrationOutcome> session() {
        return WorkflowSession.migration(env.getWorkflowClient(), QUEUE,
                new ProgressDisplay(new PrintStream(progress, true, StandardCharsets.UTF_8), false, System::nanoTime),
                null, "abandoned");
    }

    /** {@link #run} on another thread, for a test that cancels meanwhile. */
    private CompletableFuture<MigrationOutcome> runInBackground(String script, String workflowId) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return run(script, workflowId);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private MigrationOutcome run(String script, String workflowId) throws InterruptedException {
        return session().run(new MigrateDiskRequest(script, "vda", "/new/b.img"), workflowId,
                new PrintStream(announced, true, StandardCharsets.UTF_8));
    }

    @Test
    void aMigrationThatSucceedsExitsZeroAndShowsItsProgress() throws Exception {
        String id = "session-ok-" + UUID.randomUUID();
        MigrationOutcome outcome = run("ok", id);

        assertEquals(ExitCodes.OK, outcome.exitCode());
        assertEquals("workflow: " + id + "\n", announced.toString(StandardCharsets.UTF_8));
        assertEquals("/new/b.img", outcome.result().target());
        String shown = progress.toString(StandardCharsets.UTF_8);
        assertTrue(shown.lines().anyMatch(l -> l.matches("clone [1-9]\\d* MiB / 64 MiB \\d+% \\d+ MiB/s.*")), shown);
        assertEquals(1, shown.lines().filter(l -> l.equals("clone: " + NEEDED.describe())).count(), shown);
        String summary = String.join("\n", MigrationOutcome.summary(outcome.result()));
        assertTrue(summary.contains("clone") && summary.contains("crc32c 0badf00d"), summary);
        assertTrue(WorkflowSession.outcomeJson(outcome).contains("\"exitCode\" : 0"));
    }

    @ParameterizedTest
    @CsvSource({"Refused, 3", "RolledBack, 4", "CommitIncomplete, 6", "RollbackIncomplete, 6"})
    void failuresMapToTheirExitCodeAndMessage(String failureType, int exitCode) throws Exception {
        MigrationOutcome outcome = run(failureType, "session-" + failureType + "-" + UUID.randomUUID());

        assertEquals(exitCode, outcome.exitCode());
        assertEquals(failureType, outcome.failureType());
        assertEquals("scripted " + failureType, outcome.message());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(exitCode, WorkflowSession.report(outcome, false, System.out, new PrintStream(err, true)));
        assertTrue(err.toString().endsWith(": scripted " + failureType + "\n"), err.toString());
    }

    @ParameterizedTest
    @CsvSource({"wait, 5", "late, 0", "late-fail, 6"})
    void ctrlCCancelsTheWorkflowAndWaitsForItsEnd(String script, int exitCode) throws Exception {
        String id = "session-cancel-" + script + "-" + UUID.randomUUID();
        CompletableFuture<MigrationOutcome> running = runInBackground(script, id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String phase = script.equals("wait") ? "waiting" : "commit";
        while (!progress.toString(StandardCharsets.UTF_8).contains(phase) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        Interrupts.dispatch();
        MigrationOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Temporal closes all three as CANCELED: the status query tells them apart.
        assertEquals(exitCode, outcome.exitCode(), String.valueOf(outcome));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("canceling"));
        if (script.equals("late")) {
            assertTrue(outcome.result().cancelIgnored());
        }
        if (script.equals("late-fail")) {
            assertEquals("scripted: committing did not finish; finish by hand", outcome.message());
        }
    }

    @Test
    void aWorkflowIdAlreadyRunningIsRefused() throws Exception {
        String id = "session-dup-" + UUID.randomUUID();
        CompletableFuture<MigrationOutcome> first = CompletableFuture.supplyAsync(() -> {
            try {
                return run("wait", id);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!announced.toString(StandardCharsets.UTF_8).contains(id) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        MigrationOutcome second = WorkflowSession.migration(env.getWorkflowClient(), QUEUE,
                new ProgressDisplay(new PrintStream(new ByteArrayOutputStream()), false, System::nanoTime), null, "")
                .run(new MigrateDiskRequest("wait", "vda", "/new/b.img"), id, new PrintStream(new ByteArrayOutputStream()));

        assertEquals(ExitCodes.REFUSED, second.exitCode());
        assertTrue(second.message().contains(id + " is already running"), second.message());
        env.getWorkflowClient().newUntypedWorkflowStub(id).cancel();
        assertEquals(ExitCodes.CANCELED, first.get(30, TimeUnit.SECONDS).exitCode());
    }

    /**
     * After a cancel no worker answers the status query for (here: the scripted workflow's query
     * fails), the session reports what the workflow recorded, never a rollback it cannot know of.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "silent-late          | 0 | migrated: the cancel came after the point of no return",
        "silent-rolled-back   | 5 | canceled and rolled back; the VM runs on its old disk: see blockshift audit",
        "silent-failed        | 6 | BlockshiftOutcome failed): something needs a hand: see blockshift audit",
        "silent               | 6 | canceled; could not tell whether it rolled back"})
    void aCancelWithNoStatusAnswerReportsWhatTheWorkflowRecorded(String script, int exitCode, String message)
            throws Exception {
        String id = "session-" + script + "-" + UUID.randomUUID();
        CompletableFuture<MigrationOutcome> running = runInBackground(script, id);
        // Once a worker has run it, the cancel is a cancel, not a termination.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!workflowTaskCompleted(id) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        Interrupts.dispatch();
        MigrationOutcome outcome = running.get(30, TimeUnit.SECONDS);

        assertEquals(exitCode, outcome.exitCode(), String.valueOf(outcome));
        assertTrue(outcome.message().contains(message), outcome.message());
        assertTrue(!outcome.message().contains("old disk") || script.equals("silent-rolled-back"), outcome.message());
        if (script.equals("silent")) {
            assertTrue(outcome.message().endsWith("see blockshift audit " + id), outcome.message());
        }
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
                env.getWorkflowClient().newUntypedWorkflowStub(id).describe().getStatus(),
                "Temporal closed every one of them as CANCELED");
    }

    private static boolean workflowTaskCompleted(String workflowId) {
        try {
            return env.getWorkflowClient().fetchHistory(workflowId).getEvents().stream()
                    .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        } catch (RuntimeException notStartedYet) {
            return false;
        }
    }

    /** And {@code status} of it afterwards exits as {@code migrate} did: canceled, nothing changed. */
    @Test
    void aFirstRunNoWorkerHasRunIsTerminatedOnCancel() throws Exception {
        String id = "session-unrun-" + UUID.randomUUID();
        WorkflowStub stub = env.getWorkflowClient().newUntypedWorkflowStub(MigrateDiskWorkflow.TYPE,
                WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(NO_WORKER).build());
        WorkflowExecution execution = stub.start(new MigrateDiskRequest("wait", "vda", "/new/b.img"));

        assertTrue(WorkflowSession.cancelOrEnd(env.getWorkflowClient(), stub, execution));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, stub.describe().getStatus());

        MigrationOutcome later = session().attach(id, false);
        assertEquals(ExitCodes.CANCELED, later.exitCode(), String.valueOf(later));
        assertTrue(later.message().endsWith("nothing was changed"), later.message());
    }

    /**
     * A run a continue-as-new started has no completed workflow task until a worker picks it up,
     * but the run before it did work (a fleet's children outlive it): it is canceled, never
     * terminated, so it rolls back when a worker comes.
     */
    @Test
    void aRunThatContinuedAsNewIsCanceledNotTerminatedEvenWithNoWorker() throws Exception {
        String id = "session-continued-" + UUID.randomUUID();
        WorkflowClient client = env.getWorkflowClient();
        client.newUntypedWorkflowStub(MigrateDiskWorkflow.TYPE, WorkflowOptions.newBuilder().setWorkflowId(id)
                .setTaskQueue(QUEUE).build()).start(new MigrateDiskRequest("continue", "vda", "/new/b.img"));
        WorkflowStub latest = client.newUntypedWorkflowStub(id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<HistoryEvent> events = client.fetchHistory(id).getEvents();
        while (events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId().isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
            events = client.fetchHistory(id).getEvents();
        }
        assertTrue(events.stream().noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
                "the new run waits on a queue no worker polls: " + events);

        assertTrue(!WorkflowSession.cancelOrEnd(client, latest, latest.getExecution()));

        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, latest.describe().getStatus());
        assertTrue(client.fetchHistory(id).getEvents().stream()
                .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
        latest.terminate("test done");
    }

    /** Stands in for MigrateDisk: does what the request's domain says. */
    public static class ScriptedMigration implements MigrateDiskWorkflow {
        private final Copy copy = Workflow.newActivityStub(Copy.class, ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setHeartbeatTimeout(Duration.ofSeconds(5))
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .build());
        private String phase = "starting";
        private MigrateDiskResult result;
        private String failure;
        /** The status query fails, as it goes unanswered with no worker. */
        private boolean silent;

        @Override
        public MigrateDiskResult migrate(MigrateDiskRequest request) {
            switch (request.domain) {
                case "ok" -> {
                    phase = "clone";
                    copy.copy();
                    phase = "done";
                    LinkedHashMap<String, Long> steps = new LinkedHashMap<>();
                    steps.put("preflight", 5L);
                    steps.put("clone", 1500L);
                    return new MigrateDiskResult(request.domain, request.disk, "/old/a.img", request.target, "sparse",
                            "auto", 64L << 20, "crc32c", "0badf00d", false, steps, false);
                }
                case "late", "late-fail" -> {
                    // Goes on past a cancel, as the real workflow does past the point of no return.
                    phase = "commit";
                    CancellationScope outer = CancellationScope.current();
                    Workflow.newDetachedCancellationScope(() -> Workflow.await(outer::isCancelRequested)).run();
                    if (request.domain.equals("late-fail")) {
                        phase = "failed";
                        failure = "scripted: committing did not finish; finish by hand";
                        throw ApplicationFailure.newNonRetryableFailure(failure, "CommitIncomplete");
                    }
                    phase = "done";
                    result = new MigrateDiskResult(request.domain, request.disk, "/old/a.img", request.target, "plain",
                            "auto", 1, null, null, false, new LinkedHashMap<>(), true);
                    return result;
                }
                case "silent", "silent-late", "silent-rolled-back", "silent-failed" -> {
                    silent = true;
                    CancellationScope outer = CancellationScope.current();
                    Workflow.newDetachedCancellationScope(() -> Workflow.await(outer::isCancelRequested)).run();
                    // What the real workflow records at its end; "silent" records nothing.
                    switch (request.domain) {
                        case "silent-late" -> {
                            Workflow.upsertMemo(Map.of("outcome", "migrated: the cancel came after the point of no"
                                    + " return; the guest runs on " + request.target));
                            Workflow.upsertTypedSearchAttributes(SearchAttributes.OUTCOME.valueSet("done"));
                            return new MigrateDiskResult(request.domain, request.disk, "/old/a.img", request.target,
                                    "plain", "auto", 1, null, null, false, new LinkedHashMap<>(), true);
                        }
                        case "silent-rolled-back" -> Workflow.upsertTypedSearchAttributes(SearchAttributes.OUTCOME.valueSet("canceled"));
                        case "silent-failed" -> {
                            Workflow.upsertTypedSearchAttributes(SearchAttributes.OUTCOME.valueSet("failed"));
                            throw ApplicationFailure.newNonRetryableFailure("scripted: rolling back did not finish",
                                    "RollbackIncomplete");
                        }
                        default -> {
                        }
                    }
                    throw new CanceledFailure("canceled");
                }
                case "continue" -> {
                    Workflow.continueAsNew(ContinueAsNewOptions.newBuilder().setTaskQueue(NO_WORKER).build(),
                            new MigrateDiskRequest("wait", request.disk, request.target));
                    throw new IllegalStateException("unreachable");
                }
                case "wait" -> {
                    phase = "waiting";
                    Workflow.await(() -> false);
                    throw new IllegalStateException("unreachable");
                }
                default -> throw ApplicationFailure.newNonRetryableFailure("scripted " + request.domain, request.domain);
            }
        }

        @Override
        public MigrationStatus status() {
            if (silent) {
                throw new IllegalStateException("scripted: no answer");
            }
            return new MigrationStatus(phase, List.of(), null, result, failure, failure == null ? null : "CommitIncomplete");
        }
    }

    @ActivityInterface
    public interface Copy {
        void copy();
    }

    static final ConvergenceReport NEEDED = ConvergenceReport.stalled("2026-12-03T11:00:00Z", 8 << 20)
            .writeBlocking("2026-12-03T11:00:01Z");

    /** Heartbeats 64 MiB of progress over two and a half seconds. */
    public static class HeartbeatingCopy implements Copy {
        @Override
        public void copy() {
            for (int mib = 0; mib <= 64; mib += 4) {
                // Halfway, what a block job that needed help to converge reports (the follower says it once).
                Activity.getExecutionContext().heartbeat(new StepProgress("clone", (long) mib << 20, 64L << 20, 0,
                        mib < 32 ? null : NEEDED));
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
