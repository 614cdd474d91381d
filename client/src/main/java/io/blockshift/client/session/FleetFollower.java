package io.blockshift.client.session;

import io.blockshift.client.ExitCodes;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.FailureType;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.StepProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Following one {@code MigrateFleet}: its counts, bytes and ETA on the display, and its end: 0
 * when every disk moved, 3 refused as a whole, 5 canceled, 6 when some disks did not move.
 */
public final class FleetFollower extends Follower<FleetResult, FleetOutcome> {

    /** Fleets change slowly: twice a second is live enough. */
    static final Duration POLL = Duration.ofMillis(500);
    /** The query that answers a {@link FleetProgress}. */
    static final String PROGRESS_QUERY = "progress";
    /** Running disks whose copy the display follows (one call each per poll). */
    private static final int CHILDREN_WATCHED = 16;
    /** The ETA follows the pace of this much recent time. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(30);
    /** Failure lines the end of a fleet prints; --json has the first 100 the workflow keeps, 'audit' every disk. */
    private static final int FAILURES_SHOWN = 10;

    FleetFollower() {
        super(MigrateFleetWorkflow.TYPE, FleetResult.class, POLL, "fleet", "canceling: the running disks roll back (those"
                + " past the point of no return finish), no more start; waiting for the fleet to end");
    }

    /** {@code fleet-<name>-<6 random hex digits>}. */
    public static String defaultWorkflowId(String name) {
        return Follower.defaultWorkflowId("fleet", name);
    }

    @Override
    FleetOutcome alreadyRunning(String workflowId, WorkflowExecutionAlreadyStarted e) {
        return new FleetOutcome(workflowId, ExitCodes.REFUSED, null, "workflow " + workflowId + " is already running,"
                + " so nothing was started; follow it with: blockshift status " + workflowId
                + ", or give another --workflow-id");
    }

    @Override
    FleetOutcome endedUnstarted(String workflowId) {
        return new FleetOutcome(workflowId, ExitCodes.CANCELED, null, "no worker had picked the fleet up, so it was"
                + " ended (terminated) before it began: nothing was changed");
    }

    @Override
    Watcher watch(WorkflowSession<FleetResult, FleetOutcome> session, WorkflowExecution execution) {
        return new ProgressWatcher(session, execution.getWorkflowId());
    }

    @Override
    FleetOutcome succeeded(String id, FleetResult done, Watcher watcher) {
        return done.done() == done.total() ? new FleetOutcome(id, ExitCodes.OK, done, null)
                : new FleetOutcome(id, ExitCodes.NEEDS_ATTENTION, done, notEveryDiskMoved(done));
    }

    @Override
    FleetOutcome failed(String id, WorkflowFailedException failed, Watcher watcher) {
        ProgressWatcher watched = (ProgressWatcher) watcher;
        int exitCode = ExitCodes.of(failed);
        FleetResult counts = stoppedResult(failed)
                .or(() -> progress(watched.session.client, id).map(FleetFollower::countsOf))
                .orElse(watched.last == null ? null : countsOf(watched.last));
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
        return new FleetOutcome(id, exitCode, counts, message);
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

    private static FleetResult countsOf(FleetProgress p) {
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
    private static final class ProgressWatcher implements Watcher {
        private final WorkflowSession<?, ?> session;
        private final WorkflowClient client;
        private final ProgressDisplay display;
        private final String workflowId;
        private final long started = System.nanoTime();
        private final Set<String> runningSeen = new HashSet<>();
        private int failuresSeen;
        private String lastCounts;
        private boolean hinted;
        private final Map<String, Long> copied = new HashMap<>();
        private final Deque<long[]> samples = new ArrayDeque<>();
        FleetProgress last;

        ProgressWatcher(WorkflowSession<?, ?> session, String workflowId) {
            this.session = session;
            this.client = session.client;
            this.display = session.display;
            this.workflowId = workflowId;
        }

        @Override
        public void poll() {
            Optional<FleetProgress> answer = progress(client, workflowId);
            if (answer.isEmpty()) {
                if (session.workerHint != null && !hinted && last == null
                        && System.nanoTime() - started > WorkflowSession.WORKER_HINT_AFTER.toNanos()) {
                    hinted = true;
                    display.note("hint: no worker has answered this fleet within "
                            + WorkflowSession.WORKER_HINT_AFTER.toSeconds() + " s (task queue '" + session.taskQueue
                            + "'); it starts as soon as one does. On each VM host run: " + session.workerHint);
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
            return WorkflowQueries.describe(client, WorkflowExecution.newBuilder().setWorkflowId(child).build())
                    .flatMap(description -> description.getPendingActivitiesList().stream()
                            .map(activity -> WorkflowQueries.heartbeat(client, activity))
                            .flatMap(Optional::stream)
                            .filter(step -> DiskPhase.CLONE.wire().equals(step.step()))
                            .findFirst())
                    .map(StepProgress::bytesDone);
        }
    }

    /** The fleet's {@code progress} query, or empty when no worker answers in time (or it does not exist). */
    public static Optional<FleetProgress> progress(WorkflowClient client, String workflowId) {
        return WorkflowQueries.ask(client, workflowId, PROGRESS_QUERY, FleetProgress.class);
    }

    /**
     * The fleet's line: its state, then counts, bytes and ETA, such as
     * {@code running 1/4 done, 2 running, 0 failed, 0 canceled, 1 pending; 64 MiB / 256 MiB; eta 40s}.
     */
    public static String progressLine(FleetProgress p) {
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
}
