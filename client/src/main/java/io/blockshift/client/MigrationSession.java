package io.blockshift.client;

import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.MigrationStatus;
import io.blockshift.workflows.SearchAttributes;
import io.blockshift.workflows.StepProgress;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code MigrateDisk} run as the operator sees it: starts the workflow, shows its progress
 * until it ends, turns Ctrl-C into a cancel (the workflow rolls back), and sums up the outcome
 * with its exit status. {@code migrate} and {@code demo} both run migrations through this.
 */
final class MigrationSession extends WorkflowSession {

    static final Duration POLL = Duration.ofMillis(250);
    /** How long a poll's calls to the server may take. */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(1);

    /**
     * How a migration ended.
     *
     * @param workflowId the workflow's ID
     * @param exitCode see {@link ExitCodes}
     * @param result the result when it succeeded, else null
     * @param failureType the deciding failure type when it failed, else null
     * @param message what to tell the operator when it did not succeed, else null
     * @param plan what preflight resolved, when the workflow got that far and still answers
     */
    record Outcome(String workflowId, int exitCode, MigrateDiskResult result, String failureType, String message,
            MigrationPlan plan) {
    }

    /**
     * @param workerHint the command that starts a worker, shown when none picks the workflow up;
     *     null when this process runs the worker itself
     * @param ifAbandoned what happens to a rollback the operator stops waiting for
     */
    MigrationSession(WorkflowClient client, String taskQueue, ProgressDisplay display, String workerHint,
            String ifAbandoned) {
        super(client, taskQueue, display, workerHint, ifAbandoned);
    }

    /** {@code migrate-<domain>-<disk>-<6 random hex digits>}, with path disks shortened to their file name. */
    static String defaultWorkflowId(String domain, String disk) {
        String diskName = disk.contains("/") ? String.valueOf(Path.of(disk).getFileName()) : disk;
        return "migrate-" + idPart(domain) + "-" + idPart(diskName) + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Who asked for the migration and why: kept in the workflow's memo for the audit. */
    MigrationSession memo(Map<String, Object> memo) {
        this.memo = Map.copyOf(memo);
        return this;
    }

    /**
     * Starts the migration, announces its workflow ID on {@code announce}, and follows it to the
     * end. A workflow ID already running is a refusal, reported on stderr.
     */
    Outcome run(MigrateDiskRequest request, String workflowId, PrintStream announce) throws InterruptedException {
        AtomicInteger interrupts = new AtomicInteger();
        // Heard from before the start, so that no Ctrl-C leaves a workflow behind unannounced.
        try (Interrupts.Registration ignored = cancelOnInterrupt(interrupts, "canceling: the migration rolls back unless"
                + " the guest already runs on the new storage; waiting for it to end", "workflow")) {
            WorkflowStub stub = newWorkflow(MigrateDiskWorkflow.TYPE, workflowId);
            WorkflowExecution execution;
            try {
                execution = stub.start(request);
            } catch (WorkflowExecutionAlreadyStarted e) {
                String message = "workflow " + workflowId + " is already running (run " + e.getExecution().getRunId()
                        + "), so nothing was started; follow it with: temporal workflow show --follow -w " + workflowId
                        + ", or give another --workflow-id";
                return new Outcome(workflowId, ExitCodes.REFUSED, null, null, message, null);
            }
            announce.println("workflow: " + workflowId);
            announce.flush();
            return follow(stub, execution, interrupts);
        } finally {
            display.finish();
        }
    }

    /**
     * Follows a migration that is already running (started elsewhere) to its end, showing its
     * progress. With {@code cancel}, asks it to cancel first: it rolls back if it can.
     */
    Outcome attach(String workflowId, boolean cancel) throws InterruptedException {
        WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
        AtomicInteger interrupts = new AtomicInteger(cancel ? 1 : 0);
        try {
            return follow(stub, stub.getExecution(), interrupts);
        } finally {
            display.finish();
        }
    }

    private Outcome follow(WorkflowStub stub, WorkflowExecution execution, AtomicInteger interrupts)
            throws InterruptedException {
        CompletableFuture<MigrateDiskResult> result = stub.getResultAsync(MigrateDiskResult.class);
        Watcher watcher = new Watcher(execution);
        if (awaitEnd(stub, execution, result, interrupts, POLL, watcher::poll)) {
            return new Outcome(execution.getWorkflowId(), ExitCodes.CANCELED, null, null,
                    "no worker had picked the migration up, so it was ended (terminated) before it began: nothing"
                            + " was changed", null);
        }
        String id = execution.getWorkflowId();
        WorkflowFailedException failed;
        try {
            MigrateDiskResult done = result.get();
            // The plan is asked for again only if no poll saw it (a migration of a blink).
            MigrationPlan plan = watcher.lastPlan != null ? watcher.lastPlan
                    : watcher.status().map(MigrationStatus::plan).orElse(null);
            return new Outcome(id, ExitCodes.OK, done, null, null, plan);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof WorkflowFailedException workflowFailed)) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
            failed = workflowFailed;
        }
        if (ExitCodes.terminatedUnstarted(failed)) {
            // A cancel ended it before any worker ran it (this session's or an earlier one's).
            return new Outcome(id, ExitCodes.CANCELED, null, null, ExitCodes.message(failed), watcher.lastPlan);
        }
        Optional<MigrationStatus> status = watcher.status();
        MigrationPlan plan = status.map(MigrationStatus::plan).orElse(watcher.lastPlan);
        int exitCode = ExitCodes.of(failed);
        if (exitCode == ExitCodes.CANCELED && status.isEmpty()) {
            // No worker answered (none runs, or it is slow): what the workflow recorded tells.
            return recordedEnd(stub, id, plan);
        }
        if (exitCode == ExitCodes.CANCELED) {
            // Temporal closes a workflow asked to cancel as CANCELED whatever it did after: its
            // status says whether it rolled back, failed, or finished the migration regardless.
            MigrationStatus end = status.get();
            if (end.result() != null) {
                return new Outcome(id, ExitCodes.OK, end.result(), null, null, plan);
            }
            exitCode = ExitCodes.afterCancel(end.failureType());
            if (exitCode != ExitCodes.CANCELED && end.failure() != null) {
                return new Outcome(id, exitCode, null, null, end.failure(), plan);
            }
        }
        return new Outcome(id, exitCode, null, ExitCodes.failureType(failed), ExitCodes.message(failed), plan);
    }

    /**
     * How a migration that closed CANCELED ended, when its status query goes unanswered: as it
     * recorded that, in its memo's {@code outcome} (a cancel past the point of no return), else in
     * its {@code BlockshiftOutcome} search attribute. Temporal closes a migration asked to cancel as
     * CANCELED also when it finished, or failed to roll back, so the close status alone says nothing.
     */
    private static Outcome recordedEnd(WorkflowStub stub, String workflowId, MigrationPlan plan) {
        String memoOutcome = null;
        String searchOutcome = null;
        try {
            WorkflowExecutionDescription description = stub.describe();
            Object memo = description.getMemo("outcome", String.class); // the SDK declares Object
            memoOutcome = memo == null ? null : memo.toString();
            List<?> values = description.getSearchAttributes().get(SearchAttributes.OUTCOME.getName());
            searchOutcome = values == null || values.isEmpty() ? null : String.valueOf(values.get(0));
        } catch (RuntimeException unreadable) {
            // Then neither is known: the outcome says so.
        }
        return recordedEnd(workflowId, memoOutcome, searchOutcome, plan);
    }

    /** {@link #recordedEnd(WorkflowStub, String, MigrationPlan)} from the memo's and the search attribute's values (null when absent). */
    static Outcome recordedEnd(String workflowId, String memoOutcome, String searchOutcome, MigrationPlan plan) {
        String audit = ": see blockshift audit " + workflowId;
        io.blockshift.workflows.Outcome recorded = io.blockshift.workflows.Outcome.of(searchOutcome);
        int searched = recorded == null ? ExitCodes.NEEDS_ATTENTION : switch (recorded) {
            case DONE -> ExitCodes.OK;
            case CANCELED -> ExitCodes.CANCELED;
            case ROLLED_BACK -> ExitCodes.ROLLED_BACK;
            case REFUSED -> ExitCodes.REFUSED;
            case FAILED -> ExitCodes.NEEDS_ATTENTION;
        };
        if (memoOutcome != null) {
            return new Outcome(workflowId, memoOutcome.startsWith("migrated") ? ExitCodes.OK : searched, null, null,
                    memoOutcome, plan);
        }
        String message = recorded == null ? "canceled; could not tell whether it rolled back (no worker answered its"
                + " status query and it recorded no outcome)" : switch (recorded) {
            case DONE -> "the cancel came after the point of no return, so the migration finished: the guest runs"
                    + " on the target";
            case CANCELED -> "canceled and rolled back; the VM runs on its old disk";
            case ROLLED_BACK -> "a step failed after the cancel and the migration rolled back; the VM runs on its old"
                    + " disk";
            case REFUSED -> "refused; nothing was changed";
            case FAILED -> "canceled, but the migration recorded that it did not end cleanly (BlockshiftOutcome"
                    + " failed): something needs a hand";
        };
        return new Outcome(workflowId, searched, null, null, message + audit, plan);
    }

    /** Polls the workflow's status query and its pending activities' heartbeats. */
    private final class Watcher {
        private final WorkflowExecution execution;
        private final DataConverter converter = client.getOptions().getDataConverter();
        private final String namespace = client.getOptions().getNamespace();
        private final long started = System.nanoTime();
        private final Set<String> retriesReported = new HashSet<>();
        private boolean hinted;
        private MigrationPlan lastPlan;

        Watcher(WorkflowExecution execution) {
            this.execution = execution;
        }

        void poll() {
            Optional<MigrationStatus> status = status();
            status.ifPresent(s -> {
                display.step(s.phase());
                if (s.plan() != null) {
                    lastPlan = s.plan();
                }
            });
            String phase = status.map(MigrationStatus::phase).orElse(null);
            describe().ifPresent(description -> {
                for (PendingActivityInfo activity : description.getPendingActivitiesList()) {
                    reportRetry(activity);
                    heartbeat(activity).ifPresent(p -> display.bytes(
                            phase == null || phase.equals(p.step()) ? p.step() : phase + " (" + p.step() + ")",
                            p.bytesDone(), p.bytesTotal()));
                }
            });
            if (workerHint != null && !hinted && (phase == null || DiskPhase.STARTING.wire().equals(phase))
                    && System.nanoTime() - started > WORKER_HINT_AFTER.toNanos()) {
                hinted = true;
                hintAtWorker();
            }
        }

        /** The workflow's {@code status} query, or empty when no worker answers in time. */
        Optional<MigrationStatus> status() {
            try {
                Payloads answer = stub().queryWorkflow(QueryWorkflowRequest.newBuilder()
                        .setNamespace(namespace)
                        .setExecution(execution)
                        .setQuery(WorkflowQuery.newBuilder().setQueryType("status"))
                        .build()).getQueryResult();
                return Optional.ofNullable(
                        converter.fromPayloads(0, Optional.of(answer), MigrationStatus.class, MigrationStatus.class));
            } catch (RuntimeException noAnswer) {
                return Optional.empty();
            }
        }

        private Optional<DescribeWorkflowExecutionResponse> describe() {
            try {
                return Optional.of(stub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace).setExecution(execution).build()));
            } catch (RuntimeException noAnswer) {
                return Optional.empty();
            }
        }

        private Optional<StepProgress> heartbeat(PendingActivityInfo activity) {
            if (!activity.hasHeartbeatDetails()) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(converter.fromPayloads(0, Optional.of(activity.getHeartbeatDetails()),
                        StepProgress.class, StepProgress.class));
            } catch (RuntimeException notProgress) {
                return Optional.empty();
            }
        }

        /** Says once per attempt why an activity is being retried. */
        private void reportRetry(PendingActivityInfo activity) {
            if (activity.getAttempt() > 1 && activity.hasLastFailure()
                    && retriesReported.add(activity.getActivityId() + "/" + activity.getAttempt())) {
                display.note(activity.getActivityType().getName() + ": attempt " + activity.getAttempt() + " after: "
                        + activity.getLastFailure().getMessage());
            }
        }

        private void hintAtWorker() {
            int pollers;
            try {
                pollers = stub().describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                        .setNamespace(namespace)
                        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                        .build()).getPollersCount();
            } catch (RuntimeException noAnswer) {
                pollers = -1;
            }
            String seconds = WORKER_HINT_AFTER.toSeconds() + " s";
            display.note(pollers > 0
                    ? "hint: " + pollers + " worker(s) poll task queue '" + taskQueue + "' but none has started this"
                            + " migration within " + seconds + "; it starts when one is free"
                    : "hint: no worker has picked this migration up within " + seconds + " (task queue '" + taskQueue
                            + "', namespace '" + namespace + "'); it starts as soon as one does. On the VM's host run: "
                            + workerHint);
        }

        private WorkflowServiceBlockingStub stub() {
            return client.getWorkflowServiceStubs().blockingStub()
                    .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    // ------------------------------------------------------------------ reporting

    /** What each step does, for the summary. */
    private static final Map<DiskPhase, String> STEP_MEANINGS = Map.of(
            DiskPhase.PREFLIGHT, "checked the domain, the disk, the target and free space",
            DiskPhase.SNAPSHOT, "the guest writes to a snapshot overlay A' while A stays still",
            DiskPhase.CLONE, "copied A to B",
            DiskPhase.OVERLAY, "created B', an empty overlay backed by B",
            DiskPhase.MIRROR, "mirrored A' into B', then pivoted the guest onto B'",
            DiskPhase.COMMIT, "committed B' into B, then pivoted the guest onto B alone",
            DiskPhase.CLEANUP, "removed A', B' and stale snapshot metadata");

    /**
     * Prints the outcome (the summary on {@code out}, or the failure's message on {@code err}; or
     * JSON on {@code out}) and returns its exit status.
     */
    static int report(Outcome outcome, boolean json, PrintStream out, PrintStream err) {
        if (json) {
            out.println(toJson(outcome));
        } else if (outcome.result() != null) {
            printResult(out, outcome.result());
        }
        if (outcome.message() != null) {
            err.println(ExitCodes.outcome(outcome.exitCode()) + ": " + outcome.message());
        }
        return outcome.exitCode();
    }

    /** The summary of a successful migration: each step and its time, the cloner, bytes and checksum. */
    static void printResult(PrintStream out, MigrateDiskResult result) {
        summary(result).forEach(out::println);
    }

    /** {@link #printResult}'s lines. */
    static List<String> summary(MigrateDiskResult result) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "migrated %s %s in %s: the guest runs on %s", result.domain(),
                result.disk(), ProgressDisplay.duration(result.totalMillis()), result.target()));
        lines.add("  A  " + result.source());
        lines.add("  B  " + result.target());
        result.stepMillis().forEach((step, millis) -> lines.add(String.format(Locale.ROOT, "  %-9s %8s  %s", step,
                ProgressDisplay.duration(millis), stepDetail(step, result))));
        lines.add("cloner:   " + result.cloner() + " (" + result.clonerReason() + ")");
        lines.add("copied:   " + ProgressDisplay.bytes(result.bytesCopied()) + " (" + result.bytesCopied() + " bytes)");
        lines.add("checksum: " + (result.checksum() == null ? "none (the copy was not checksummed)"
                : result.checksumAlgorithm() + " " + result.checksum() + " (A and B agree)"));
        if (result.cancelIgnored()) {
            lines.add("note:     the cancel came after the guest had moved onto the new storage, so the migration"
                    + " finished instead of rolling back");
        }
        return lines;
    }

    private static String stepDetail(String step, MigrateDiskResult result) {
        DiskPhase phase = DiskPhase.of(step);
        String meaning = phase == null ? "" : STEP_MEANINGS.getOrDefault(phase, "");
        if (phase == DiskPhase.CLONE) {
            return meaning + " with " + result.cloner() + ": " + ProgressDisplay.bytes(result.bytesCopied());
        }
        return phase == DiskPhase.CLEANUP ? (result.sourceKept() ? "kept A; " : "deleted A; ") + meaning : meaning;
    }

    /** The outcome as one JSON object, for {@code --json}. */
    static String toJson(Outcome outcome) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("workflowId", outcome.workflowId());
        json.put("outcome", ExitCodes.outcome(outcome.exitCode()));
        json.put("exitCode", outcome.exitCode());
        if (outcome.result() != null) {
            json.put("result", outcome.result());
            json.put("totalMillis", outcome.result().totalMillis());
        } else {
            json.put("failureType", outcome.failureType());
            json.put("message", outcome.message());
        }
        return toJson(json);
    }

    private static String idPart(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]+", "_");
    }
}
