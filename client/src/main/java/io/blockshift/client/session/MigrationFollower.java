package io.blockshift.client.session;

import io.temporal.client.WorkflowClient;
import io.blockshift.client.ExitCodes;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.Memo;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.MigrationStatus;
import io.blockshift.workflows.StepProgress;
import io.blockshift.workflows.Outcome;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Following one {@code MigrateDisk}: its status query and its activities' heartbeats on the
 * display, and its end read as the workflow recorded it (a migration asked to cancel closes
 * CANCELED whatever it did after).
 */
public final class MigrationFollower extends Follower<MigrateDiskResult, MigrationOutcome> {

    public static final Duration POLL = Duration.ofMillis(250);
    /** The query that answers a {@link MigrationStatus}. */
    static final String STATUS_QUERY = "status";

    MigrationFollower() {
        super(MigrateDiskWorkflow.TYPE, MigrateDiskResult.class, POLL, "workflow", "canceling: the migration rolls back"
                + " unless the guest already runs on the new storage; waiting for it to end");
    }

    /** {@code migrate-<domain>-<disk>-<6 random hex digits>}, with path disks shortened to their file name. */
    public static String defaultWorkflowId(String domain, String disk) {
        String diskName = disk.contains("/") ? String.valueOf(Path.of(disk).getFileName()) : disk;
        return Follower.defaultWorkflowId("migrate", domain, diskName);
    }

    /** The migration's {@code status} query, or empty when no worker answers in time (or it does not exist). */
    public static Optional<MigrationStatus> status(WorkflowClient client, String workflowId) {
        return WorkflowQueries.ask(client, workflowId, STATUS_QUERY, MigrationStatus.class);
    }

    @Override
    MigrationOutcome alreadyRunning(String workflowId, WorkflowExecutionAlreadyStarted e) {
        return new MigrationOutcome(workflowId, ExitCodes.REFUSED, null, null, "workflow " + workflowId
                + " is already running (run " + e.getExecution().getRunId() + "), so nothing was started; follow it"
                + " with: temporal workflow show --follow -w " + workflowId + ", or give another --workflow-id", null);
    }

    @Override
    MigrationOutcome endedUnstarted(String workflowId) {
        return new MigrationOutcome(workflowId, ExitCodes.CANCELED, null, null,
                "no worker had picked the migration up, so it was ended (terminated) before it began: nothing"
                        + " was changed", null);
    }

    @Override
    Watcher watch(WorkflowSession<MigrateDiskResult, MigrationOutcome> session, WorkflowExecution execution) {
        return new StatusWatcher(session, execution);
    }

    @Override
    MigrationOutcome succeeded(String id, MigrateDiskResult done, Watcher watcher) {
        StatusWatcher status = (StatusWatcher) watcher;
        // The plan is asked for again only if no poll saw it (a migration of a blink).
        MigrationPlan plan = status.lastPlan != null ? status.lastPlan
                : status.status().map(MigrationStatus::plan).orElse(null);
        return new MigrationOutcome(id, ExitCodes.OK, done, null, null, plan);
    }

    @Override
    MigrationOutcome failed(String id, WorkflowFailedException failed, Watcher watcher) {
        StatusWatcher watched = (StatusWatcher) watcher;
        if (ExitCodes.terminatedUnstarted(failed)) {
            // A cancel ended it before any worker ran it (this session's or an earlier one's).
            return new MigrationOutcome(id, ExitCodes.CANCELED, null, null, ExitCodes.message(failed), watched.lastPlan);
        }
        Optional<MigrationStatus> status = watched.status();
        MigrationPlan plan = status.map(MigrationStatus::plan).orElse(watched.lastPlan);
        int exitCode = ExitCodes.of(failed);
        if (exitCode == ExitCodes.CANCELED && status.isEmpty()) {
            // No worker answered (none runs, or it is slow): what the workflow recorded tells.
            return recordedEnd(watched.session, watched.execution, plan);
        }
        if (exitCode == ExitCodes.CANCELED) {
            // Temporal closes a workflow asked to cancel as CANCELED whatever it did after: its
            // status says whether it rolled back, failed, or finished the migration regardless.
            MigrationStatus end = status.get();
            if (end.result() != null) {
                return new MigrationOutcome(id, ExitCodes.OK, end.result(), null, null, plan);
            }
            exitCode = ExitCodes.afterCancel(end.failureType());
            if (exitCode != ExitCodes.CANCELED && end.failure() != null) {
                return new MigrationOutcome(id, exitCode, null, null, end.failure(), plan);
            }
        }
        return new MigrationOutcome(id, exitCode, null, ExitCodes.failureType(failed), ExitCodes.message(failed), plan);
    }

    /**
     * How a migration that closed CANCELED ended, when its status query goes unanswered: as it
     * recorded that, in its memo's {@code outcome} (a cancel past the point of no return), else in
     * its {@code BlockshiftOutcome} search attribute. Temporal closes a migration asked to cancel as
     * CANCELED also when it finished, or failed to roll back, so the close status alone says nothing.
     */
    private static MigrationOutcome recordedEnd(WorkflowSession<?, ?> session, WorkflowExecution execution,
            MigrationPlan plan) {
        String workflowId = execution.getWorkflowId();
        String runId = execution.getRunId().isEmpty() ? null : execution.getRunId();
        String memoOutcome = null;
        String searchOutcome = null;
        try {
            WorkflowExecutionDescription description = session.client.newUntypedWorkflowStub(workflowId,
                    Optional.ofNullable(runId), Optional.empty()).describe();
            Object memo = description.getMemo(Memo.OUTCOME, String.class); // the SDK declares Object
            memoOutcome = memo == null ? null : memo.toString();
            List<?> values = description.getSearchAttributes().get(SearchAttributes.OUTCOME.getName());
            searchOutcome = values == null || values.isEmpty() ? null : String.valueOf(values.get(0));
        } catch (RuntimeException unreadable) {
            // Then neither is known: the outcome says so.
        }
        return recordedEnd(workflowId, memoOutcome, searchOutcome, plan);
    }

    /** {@link #recordedEnd(WorkflowSession, WorkflowExecution, MigrationPlan)} from the memo's and the search attribute's values (null when absent). */
    static MigrationOutcome recordedEnd(String workflowId, String memoOutcome, String searchOutcome, MigrationPlan plan) {
        String audit = ": see blockshift audit " + workflowId;
        Outcome recorded = Outcome.of(searchOutcome);
        int searched = recorded == null ? ExitCodes.NEEDS_ATTENTION : switch (recorded) {
            case DONE -> ExitCodes.OK;
            case CANCELED -> ExitCodes.CANCELED;
            case ROLLED_BACK -> ExitCodes.ROLLED_BACK;
            case REFUSED -> ExitCodes.REFUSED;
            case FAILED -> ExitCodes.NEEDS_ATTENTION;
        };
        if (memoOutcome != null) {
            return new MigrationOutcome(workflowId, memoOutcome.startsWith("migrated") ? ExitCodes.OK : searched, null,
                    null, memoOutcome, plan);
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
        return new MigrationOutcome(workflowId, searched, null, null, message + audit, plan);
    }

    /** Polls the workflow's status query and its pending activities' heartbeats. */
    private static final class StatusWatcher implements Watcher {
        private final WorkflowSession<?, ?> session;
        private final WorkflowExecution execution;
        private final long started = System.nanoTime();
        private final Set<String> retriesReported = new HashSet<>();
        private final java.util.Map<String, String> convergenceSaid = new java.util.HashMap<>();
        private boolean hinted;
        private MigrationPlan lastPlan;

        StatusWatcher(WorkflowSession<?, ?> session, WorkflowExecution execution) {
            this.session = session;
            this.execution = execution;
        }

        @Override
        public void poll() {
            ProgressDisplay display = session.display;
            Optional<MigrationStatus> status = status();
            status.ifPresent(s -> {
                display.step(s.phase());
                if (s.plan() != null) {
                    lastPlan = s.plan();
                }
            });
            String phase = status.map(MigrationStatus::phase).orElse(null);
            WorkflowQueries.describe(session.client, execution).ifPresent(description -> {
                for (PendingActivityInfo activity : description.getPendingActivitiesList()) {
                    reportRetry(activity);
                    WorkflowQueries.heartbeat(session.client, activity).ifPresent(p -> {
                        reportConvergence(p);
                        display.bytes(phase == null || phase.equals(p.step()) ? p.step() : phase + " (" + p.step() + ")",
                                p.bytesDone(), p.bytesTotal());
                    });
                }
            });
            if (session.workerHint != null && !hinted && (phase == null || DiskPhase.STARTING.wire().equals(phase))
                    && System.nanoTime() - started > WorkflowSession.WORKER_HINT_AFTER.toNanos()) {
                hinted = true;
                hintAtWorker();
            }
        }

        /** The workflow's {@code status} query, or empty when no worker answers in time. */
        Optional<MigrationStatus> status() {
            return WorkflowQueries.ask(session.client, execution, STATUS_QUERY, MigrationStatus.class);
        }

        /** Says what a block job needed to converge (a switch to write-blocking, a limit on the guest), when it changes. */
        private void reportConvergence(StepProgress progress) {
            if (progress.convergence() != null) {
                String said = progress.step() + ": " + progress.convergence().describe();
                if (!said.equals(convergenceSaid.put(progress.step(), said))) {
                    session.display.note(said);
                }
            }
        }

        /** Says once per attempt why an activity is being retried. */
        private void reportRetry(PendingActivityInfo activity) {
            if (activity.getAttempt() > 1 && activity.hasLastFailure()
                    && retriesReported.add(activity.getActivityId() + "/" + activity.getAttempt())) {
                session.display.note(activity.getActivityType().getName() + ": attempt " + activity.getAttempt()
                        + " after: " + activity.getLastFailure().getMessage());
            }
        }

        private void hintAtWorker() {
            String namespace = session.client.getOptions().getNamespace();
            String taskQueue = session.taskQueue;
            int pollers;
            try {
                pollers = WorkflowQueries.stub(session.client).describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                        .setNamespace(namespace)
                        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                        .build()).getPollersCount();
            } catch (RuntimeException noAnswer) {
                pollers = -1;
            }
            String seconds = WorkflowSession.WORKER_HINT_AFTER.toSeconds() + " s";
            session.display.note(pollers > 0
                    ? "hint: " + pollers + " worker(s) poll task queue '" + taskQueue + "' but none has started this"
                            + " migration within " + seconds + "; it starts when one is free"
                    : "hint: no worker has picked this migration up within " + seconds + " (task queue '" + taskQueue
                            + "', namespace '" + namespace + "'); it starts as soon as one does. On the VM's host run: "
                            + session.workerHint);
        }
    }
}
