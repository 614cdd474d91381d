package io.blockshift.client;

import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.FailureType;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.StepProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code MigrateFleet} as the operator sees it: starts it (or attaches to it), shows its counts,
 * bytes and ETA until it ends, turns Ctrl-C into a cancel (the running disks roll back), and sums
 * up the outcome with its exit status: 0 when every disk moved, 3 refused as a whole, 5 canceled,
 * 6 when some disks did not move.
 */
final class FleetSession extends WorkflowSession {

    /** Fleets change slowly: twice a second is live enough. */
    static final Duration POLL = Duration.ofMillis(500);
    /** Running disks whose copy the display follows (one call each per poll). */
    private static final int CHILDREN_WATCHED = 16;
    /** The ETA follows the pace of this much recent time. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(30);
    /** Failure lines the end of a fleet prints; --json has the first 100 the workflow keeps, 'audit' every disk. */
    private static final int FAILURES_SHOWN = 10;

    /**
     * How a fleet ended.
     *
     * @param workflowId the fleet's workflow ID
     * @param exitCode see {@link ExitCodes}
     * @param result the final counts (from the result, or from the last progress when it failed or was canceled); null
     *     when it never ran
     * @param message what to tell the operator when not every disk moved, else null
     */
    record Outcome(String workflowId, int exitCode, FleetResult result, String message) {
    }

    /**
     * @param workerHint the command that starts a worker, shown when none picks the fleet up
     * @param ifAbandoned what happens to a cancel the operator stops waiting for
     */
    FleetSession(WorkflowClient client, String taskQueue, ProgressDisplay display, String workerHint, String ifAbandoned) {
        super(client, taskQueue, display, workerHint, ifAbandoned);
    }

    /** {@code fleet-<name>-<6 random hex digits>}. */
    static String defaultWorkflowId(String name) {
        return "fleet-" + name.replaceAll("[^A-Za-z0-9_.-]+", "_") + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** Who asked for the fleet and why: kept in the workflow's memo for the audit. */
    FleetSession memo(Map<String, Object> memo) {
        this.memo = Map.copyOf(memo);
        return this;
    }

    /**
     * Starts the fleet with the one argument {@code temporal workflow start --input} gives it.
     *
     * @throws io.temporal.client.WorkflowExecutionAlreadyStarted when {@code workflowId} is running
     */
    WorkflowStub start(MigrateFleetRequest request, String workflowId) {
        WorkflowStub stub = newWorkflow(MigrateFleetWorkflow.TYPE, workflowId);
        stub.start(request);
        return stub;
    }

    /** Starts the fleet, announces its ID on {@code announce}, and follows it to its end. */
    Outcome run(MigrateFleetRequest request, String workflowId, PrintStream announce) throws InterruptedException {
        AtomicInteger interrupts = new AtomicInteger();
        // Heard from before the start, so that no Ctrl-C leaves a fleet behind unannounced.
        try (Interrupts.Registration ignored = cancelOnInterrupt(interrupts, "canceling: the running disks roll back (those"
                + " past the point of no return finish), no more start; waiting for the fleet to end", "fleet")) {
            WorkflowStub stub;
            try {
                stub = start(request, workflowId);
            } catch (io.temporal.client.WorkflowExecutionAlreadyStarted e) {
                return new Outcome(workflowId, ExitCodes.REFUSED, null, "workflow " + workflowId + " is already running,"
                        + " so nothing was started; follow it with: blockshift status " + workflowId
                        + ", or give another --workflow-id");
            }
            announce.println("workflow: " + workflowId);
            announce.flush();
            return follow(stub, interrupts);
        } finally {
            display.finish();
        }
    }

    /** Follows a fleet that is already running to its end; with {@code cancel}, cancels it first. */
    Outcome attach(String workflowId, boolean cancel) throws InterruptedException {
        // Ctrl-C here only stops watching (the JVM's default): the fleet goes on, or goes on canceling.
        try {
            return follow(client.newUntypedWorkflowStub(workflowId), new AtomicInteger(cancel ? 1 : 0));
        } finally {
            display.finish();
        }
    }

    private Outcome follow(WorkflowStub stub, AtomicInteger interrupts) throws InterruptedException {
        WorkflowExecution execution = stub.getExecution();
        String id = execution.getWorkflowId();
        CompletableFuture<FleetResult> result = stub.getResultAsync(FleetResult.class);
        Watcher watcher = new Watcher(id);
        if (awaitEnd(stub, execution, result, interrupts, POLL, watcher::poll)) {
            return new Outcome(id, ExitCodes.CANCELED, null, "no worker had picked the fleet up, so it was ended"
                    + " (terminated) before it began: nothing was changed");
        }
        try {
            FleetResult done = result.get();
            return done.done() == done.total() ? new Outcome(id, ExitCodes.OK, done, null)
                    : new Outcome(id, ExitCodes.NEEDS_ATTENTION, done, notEveryDiskMoved(done));
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof WorkflowFailedException failed)) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
            return ended(id, failed, watcher);
        }
    }

    /** The outcome of a fleet that closed failed or canceled. */
    private Outcome ended(String id, WorkflowFailedException failed, Watcher watcher) {
        int exitCode = ExitCodes.of(failed);
        FleetResult counts = stoppedResult(failed)
                .or(() -> progress(client, id).map(FleetSession::countsOf))
                .orElse(watcher.last == null ? null : countsOf(watcher.last));
        String message;
        if (ExitCodes.terminatedUnstarted(failed)) {
            message = ExitCodes.message(failed);
        } else if (exitCode == ExitCodes.CANCELED) {
            message = "the running disk(s) rolled back" + (counts == null ? "" : "; " + counts.done() + " of "
                    + counts.total() + " disk(s) had moved and stay on their new storage, " + counts.canceled()
                    + " rolled back, " + notStarted(counts) + " not started");
        } else if (exitCode == ExitCodes.REFUSED) {
            message = ExitCodes.message(failed);
        } else {
            message = ExitCodes.message(failed) + (counts == null ? "" : failureLines(counts));
        }
        return new Outcome(id, exitCode, counts, message);
    }

    /** The counts a fleet stopped by {@code onFailure: stop} carries in its failure. */
    private static Optional<FleetResult> stoppedResult(WorkflowFailedException failed) {
        for (Throwable t = failed; t != null; t = t.getCause()) {
            if (t instanceof ApplicationFailure app && FailureType.FLEET_STOPPED.is(app.getType())) {
                try {
                    return Optional.ofNullable(app.getDetails().get(FleetResult.class));
                } catch (RuntimeException noDetails) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static FleetResult countsOf(FleetProgress p) {
        return new FleetResult(p.total(), p.done(), p.failed(), p.canceled(), p.bytesDone(), p.failures(), p.run());
    }

    private static int notStarted(FleetResult r) {
        return Math.max(0, r.total() - r.done() - r.failed() - r.canceled());
    }

    private static String notEveryDiskMoved(FleetResult r) {
        return r.done() + " of " + r.total() + " disk(s) moved; " + r.failed() + " failed or refused, " + r.canceled()
                + " canceled and rolled back" + failureLines(r);
    }

    private static String failureLines(FleetResult r) {
        if (r.failures() == null || r.failures().isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(":");
        r.failures().stream().limit(FAILURES_SHOWN).forEach(line -> s.append("\n  ").append(line));
        if (r.failures().size() > FAILURES_SHOWN) {
            s.append("\n  ... and ").append(r.failed() - FAILURES_SHOWN).append(" more: blockshift audit shows them all");
        }
        return s.toString();
    }

    /** Polls the fleet's {@code progress} query and tells what changed. */
    private final class Watcher {
        private final String workflowId;
        private final long started = System.nanoTime();
        private final Set<String> runningSeen = new HashSet<>();
        private int failuresSeen;
        private String lastCounts;
        private boolean hinted;
        private final Map<String, Long> copied = new HashMap<>();
        private final Deque<long[]> samples = new ArrayDeque<>();
        FleetProgress last;

        Watcher(String workflowId) {
            this.workflowId = workflowId;
        }

        void poll() {
            Optional<FleetProgress> answer = progress(client, workflowId);
            if (answer.isEmpty()) {
                if (workerHint != null && !hinted && last == null
                        && System.nanoTime() - started > WORKER_HINT_AFTER.toNanos()) {
                    hinted = true;
                    display.note("hint: no worker has answered this fleet within "
                            + WORKER_HINT_AFTER.toSeconds() + " s (task queue '" + taskQueue + "'); it"
                            + " starts as soon as one does. On each VM host run: " + workerHint);
                }
                return;
            }
            FleetProgress p = answer.get();
            last = p;
            for (String child : p.runningWorkflows()) {
                if (runningSeen.add(child)) {
                    display.note("started " + child);
                }
            }
            List<String> failures = p.failures() == null ? List.of() : p.failures();
            for (int i = failuresSeen; i < failures.size(); i++) {
                display.note("failed  " + failures.get(i));
            }
            failuresSeen = Math.max(failuresSeen, failures.size());
            long shown = p.bytesDone() + copying(p);
            Long eta = eta(p, shown);
            String counts = counts(p);
            display.line(progressLine(p, shown, eta), p.bytesTotal() > 0 ? (int) Math.min(100, shown * 100 / p.bytesTotal())
                    : percent(p), !counts.equals(lastCounts));
            lastCounts = counts;
        }

        /**
         * Bytes the running disks have cloned so far, from their clone activities' heartbeats: the
         * fleet counts a disk's bytes only once it is done, which would leave a fleet of a few large
         * disks at 0 for a long time. A disk keeps its count until it leaves the running ones.
         */
        private long copying(FleetProgress p) {
            copied.keySet().retainAll(p.runningWorkflows());
            p.runningWorkflows().stream().limit(CHILDREN_WATCHED).forEach(child ->
                    clonedBytes(child).ifPresent(bytes -> copied.merge(child, bytes, Math::max)));
            return copied.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Seconds left at the pace of the last half minute, else the workflow's own estimate (its average). */
        private Long eta(FleetProgress p, long shown) {
            long now = System.nanoTime();
            samples.addLast(new long[] {now, shown});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW.toNanos()) {
                samples.removeFirst();
            }
            long[] first = samples.peekFirst();
            long elapsed = now - first[0];
            double bytesPerNano = elapsed < TimeUnit.SECONDS.toNanos(2) ? 0 : (shown - first[1]) / (double) elapsed;
            if (bytesPerNano > 0) {
                return (long) Math.ceil(Math.max(0, p.bytesTotal() - shown) / bytesPerNano / 1e9);
            }
            return p.etaSeconds();
        }

        private Optional<Long> clonedBytes(String child) {
            try {
                DescribeWorkflowExecutionResponse description = client.getWorkflowServiceStubs().blockingStub()
                        .withDeadlineAfter(1, TimeUnit.SECONDS)
                        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                                .setNamespace(client.getOptions().getNamespace())
                                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(child))
                                .build());
                for (PendingActivityInfo activity : description.getPendingActivitiesList()) {
                    if (activity.hasHeartbeatDetails()) {
                        StepProgress step = client.getOptions().getDataConverter().fromPayloads(0,
                                Optional.of(activity.getHeartbeatDetails()), StepProgress.class, StepProgress.class);
                        if (step != null && DiskPhase.CLONE.wire().equals(step.step())) {
                            return Optional.of(step.bytesDone());
                        }
                    }
                }
                return Optional.empty();
            } catch (RuntimeException noAnswer) {
                return Optional.empty();
            }
        }
    }

    /** The fleet's {@code progress} query, or empty when no worker answers in time (or it does not exist). */
    static Optional<FleetProgress> progress(WorkflowClient client, String workflowId) {
        return WorkflowQueries.ask(client, workflowId, "progress", FleetProgress.class);
    }

    /**
     * The fleet's line: its state, then counts, bytes and ETA, such as
     * {@code running 1/4 done, 2 running, 0 failed, 0 canceled, 1 pending; 64 MiB / 256 MiB; eta 40s}.
     */
    static String progressLine(FleetProgress p) {
        return progressLine(p, p.bytesDone(), p.etaSeconds());
    }

    /** {@link #progressLine(FleetProgress)} with {@code bytes} moved so far and {@code etaSeconds} left (or null). */
    static String progressLine(FleetProgress p, long bytes, Long etaSeconds) {
        StringBuilder s = new StringBuilder(counts(p));
        if (p.bytesTotal() > 0) {
            s.append("; ").append(ProgressDisplay.bytes(bytes)).append(" / ").append(ProgressDisplay.bytes(p.bytesTotal()));
        }
        if (etaSeconds != null && p.running() + p.pending() > 0) {
            s.append("; eta ").append(ProgressDisplay.duration(etaSeconds * 1000));
        }
        return s.toString();
    }

    private static String counts(FleetProgress p) {
        return p.state() + " " + p.done() + "/" + p.total() + " done, " + p.running() + " running, " + p.failed()
                + " failed, " + p.canceled() + " canceled, " + p.pending() + " pending";
    }

    /** Disks settled (done, failed or canceled) of all: the bar. */
    private static int percent(FleetProgress p) {
        return p.total() <= 0 ? -1 : (p.done() + p.failed() + p.canceled()) * 100 / p.total();
    }

    // ------------------------------------------------------------------ reporting

    /**
     * Prints the outcome (a summary on {@code out} and, unless every disk moved, the message on
     * {@code err}; or JSON on {@code out}) and returns its exit status.
     */
    static int report(Outcome outcome, boolean json, PrintStream out, PrintStream err) {
        if (json) {
            out.println(toJson(outcome));
        } else if (outcome.result() != null) {
            FleetResult r = outcome.result();
            out.println("fleet " + outcome.workflowId() + ": " + r.done() + " of " + r.total() + " disk(s) moved ("
                    + ProgressDisplay.bytes(r.bytesDone()) + "), " + r.failed() + " failed or refused, " + r.canceled()
                    + " canceled; the report of each disk: blockshift audit " + outcome.workflowId());
        }
        if (outcome.message() != null) {
            err.println(ExitCodes.outcome(outcome.exitCode()) + ": " + outcome.message());
        }
        return outcome.exitCode();
    }

    /** The outcome as one JSON object, for {@code --json}: {@code workflowId}, {@code outcome}, {@code exitCode}, {@code result}. */
    static String toJson(Outcome outcome) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("workflowId", outcome.workflowId());
        json.put("outcome", ExitCodes.outcome(outcome.exitCode()));
        json.put("exitCode", outcome.exitCode());
        json.put("result", outcome.result());
        json.put("message", outcome.message());
        return toJson(json);
    }
}
