package io.blockshift.client.audit;

import static io.blockshift.client.audit.PayloadReader.as;
import static io.blockshift.client.audit.PayloadReader.json;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Timestamp;
import io.blockshift.client.audit.AuditReport.Run;
import io.blockshift.client.audit.AuditReport.Step;
import io.blockshift.workflows.DiskOutcome;
import io.blockshift.workflows.FailureType;
import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetState;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.Outcome;
import io.blockshift.workflows.ResolvedDisk;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a chain of runs, oldest first, event by event, into one report: the run's own facts and
 * its steps here, what it says of a fleet's disks told to {@link FleetDisks}. Payloads the audit
 * reasons about are read as the workflows' types ({@link PayloadReader}).
 */
final class HistoryReader {

    /** A run's status, in the audit's words. */
    static final String RUNNING = "running";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";
    static final String CANCELED = "canceled";
    static final String TIMED_OUT = "timed out";

    private static final TypeReference<List<MigrateDiskRequest>> REQUESTS = new TypeReference<>() {
    };
    private static final TypeReference<List<ResolvedDisk>> RESOLVED = new TypeReference<>() {
    };
    private static final TypeReference<List<DiskOutcome>> OUTCOMES = new TypeReference<>() {
    };

    /** The chain read lacks its first runs: the disks come from the carried state of the oldest run read. */
    private final boolean firstRunsMissing;
    private final FleetDisks disks = new FleetDisks();
    private String workflowType;
    private String status = RUNNING;
    private Instant started;
    private Instant closed;
    private String startedBy;
    private final Map<String, JsonNode> memo = new LinkedHashMap<>();
    private JsonNode input;
    private JsonNode result;
    private String failure;
    /** The fleet's failure lines: in its result, or in the details of its failure. */
    private List<String> failureLines;
    private String runId;
    private final List<StepBuilder> steps = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();
    private int firstRunNumber = 1;

    HistoryReader(boolean firstRunsMissing) {
        this.firstRunsMissing = firstRunsMissing;
    }

    void read(WorkflowExecutionHistory history) {
        boolean firstRead = runs.isEmpty();
        int number = firstRunNumber + runs.size();
        String thisRun = history.getWorkflowExecution().getRunId();
        String runStatus = RUNNING;
        Instant runStarted = null;
        Instant runClosed = null;
        int childrenStarted = 0;
        Map<Long, StepBuilder> stepsById = new HashMap<>();
        Instant workflowClock = null;
        Map<Long, FleetDisks.ChildBuilder> childrenById = new HashMap<>();
        for (HistoryEvent e : history.getEvents()) {
            Instant at = instant(e.getEventTime());
            switch (e.getEventType()) {
                case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
                    var a = e.getWorkflowExecutionStartedEventAttributes();
                    // A fetched history knows its run only from here.
                    thisRun = a.getOriginalExecutionRunId().isEmpty() ? thisRun : a.getOriginalExecutionRunId();
                    runStarted = at;
                    if (firstRead) {
                        workflowType = a.getWorkflowType().getName();
                        started = at;
                        startedBy = a.getIdentity();
                        input = json(a.getInput(), 0);
                        a.getMemo().getFieldsMap().forEach((k, v) -> memo.put(k, json(v)));
                        if (isFleet()) {
                            requested(input);
                        }
                        if (firstRunsMissing) {
                            number = carried(as(json(a.getInput(), 1), FleetState.class));
                        }
                    }
                }
                case EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED ->
                        e.getWorkflowPropertiesModifiedEventAttributes().getUpsertedMemo().getFieldsMap()
                                .forEach((k, v) -> memo.put(k, json(v)));
                case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> {
                    var a = e.getWorkflowExecutionSignaledEventAttributes();
                    if (a.getSignalName().equals(MigrateFleetWorkflow.DISK_FINISHED)) {
                        DiskOutcome outcome = as(json(a.getInput(), 0), DiskOutcome.class);
                        if (outcome != null) {
                            disks.signaled(outcome, at);
                        }
                    }
                }
                case EVENT_TYPE_WORKFLOW_TASK_STARTED -> workflowClock = at;
                case EVENT_TYPE_MARKER_RECORDED -> {
                    LocalActivityMarker local = LocalActivityMarker.of(e.getMarkerRecordedEventAttributes());
                    if (local != null) {
                        // Local steps run one after another in the workflow task, each from where the
                        // workflow's clock stood (the task's start, or the step before) to its marker's time.
                        Instant ended = local.finished() != null ? local.finished() : at;
                        StepBuilder step = new StepBuilder(local.activityType(), workflowClock, local.input(), number);
                        step.started = workflowClock;
                        step.attempts = local.attempt();
                        steps.add(step);
                        if (local.failure() != null) {
                            step.close(ended, FAILED, null, message(local.failure()));
                        } else {
                            step.close(ended, COMPLETED, local.result(), null);
                            answered(step, ended);
                        }
                        workflowClock = ended;
                    }
                }
                case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
                    var a = e.getActivityTaskScheduledEventAttributes();
                    StepBuilder step = new StepBuilder(a.getActivityType().getName(), at, json(a.getInput(), 0), number);
                    stepsById.put(e.getEventId(), step);
                    steps.add(step);
                }
                case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
                    var a = e.getActivityTaskStartedEventAttributes();
                    StepBuilder step = stepsById.get(a.getScheduledEventId());
                    step.started = at;
                    step.attempts = a.getAttempt();
                    if (a.hasLastFailure()) {
                        step.lastRetriedFailure = message(a.getLastFailure());
                    }
                }
                case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
                    var a = e.getActivityTaskCompletedEventAttributes();
                    StepBuilder step = stepsById.get(a.getScheduledEventId());
                    step.close(at, COMPLETED, json(a.getResult(), 0), null);
                    answered(step, at);
                }
                case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
                    var a = e.getActivityTaskFailedEventAttributes();
                    stepsById.get(a.getScheduledEventId()).close(at, FAILED, null, message(a.getFailure()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
                    var a = e.getActivityTaskTimedOutEventAttributes();
                    stepsById.get(a.getScheduledEventId()).close(at, TIMED_OUT, null, message(a.getFailure()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
                    var a = e.getActivityTaskCanceledEventAttributes();
                    stepsById.get(a.getScheduledEventId()).close(at, CANCELED, null, null);
                }
                case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED -> {
                    var a = e.getStartChildWorkflowExecutionInitiatedEventAttributes();
                    childrenById.put(e.getEventId(), disks.initiated(a.getWorkflowId(), json(a.getInput(), 0), number));
                    childrenStarted++;
                }
                case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                    var a = e.getStartChildWorkflowExecutionFailedEventAttributes();
                    FleetDisks.ChildBuilder child = childrenById.get(a.getInitiatedEventId());
                    child.closed(at, Outcome.REFUSED, null, "not started (" + a.getCause().name() + "): already being"
                            + " migrated by the running workflow " + child.workflowId + "; this fleet did not start another");
                    child.endKnownFrom = DiskEnd.FROM_START_FAILED;
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> {
                    var a = e.getChildWorkflowExecutionStartedEventAttributes();
                    childrenById.get(a.getInitiatedEventId()).started(at, a.getWorkflowExecution().getRunId());
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED -> {
                    var a = e.getChildWorkflowExecutionCompletedEventAttributes();
                    childrenById.get(a.getInitiatedEventId()).closed(at, Outcome.DONE, json(a.getResult(), 0), null);
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                    var a = e.getChildWorkflowExecutionFailedEventAttributes();
                    childrenById.get(a.getInitiatedEventId()).closed(at,
                            isRefusal(a.getFailure()) ? Outcome.REFUSED : Outcome.FAILED, null, message(a.getFailure()));
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED -> childrenById.get(
                        e.getChildWorkflowExecutionCanceledEventAttributes().getInitiatedEventId()).closed(at,
                        Outcome.CANCELED, null, null);
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT -> childrenById.get(
                        e.getChildWorkflowExecutionTimedOutEventAttributes().getInitiatedEventId()).closed(at,
                        Outcome.FAILED, null, "timed out");
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED -> childrenById.get(
                        e.getChildWorkflowExecutionTerminatedEventAttributes().getInitiatedEventId()).closed(at,
                        Outcome.FAILED, null, "terminated");
                case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> {
                    runStatus = COMPLETED;
                    result = json(e.getWorkflowExecutionCompletedEventAttributes().getResult(), 0);
                    failureLines = fleetFailures(result);
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> {
                    runStatus = FAILED;
                    Failure f = e.getWorkflowExecutionFailedEventAttributes().getFailure();
                    failure = message(f);
                    // A fleet stopped after a failure keeps its result in the failure's details.
                    boolean stopped = f.hasApplicationFailureInfo()
                            && FailureType.FLEET_STOPPED.is(f.getApplicationFailureInfo().getType());
                    failureLines = stopped ? fleetFailures(json(f.getApplicationFailureInfo().getDetails(), 0)) : null;
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> runStatus = CANCELED;
                case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
                    runStatus = "terminated";
                    failure = e.getWorkflowExecutionTerminatedEventAttributes().getReason();
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> runStatus = TIMED_OUT;
                case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> runStatus = "continued as new";
                default -> {
                }
            }
            if (runClosed == null && !RUNNING.equals(runStatus)) {
                runClosed = at; // the event that closed the run
            }
        }
        runs.add(new Run(number, thisRun, runStatus, runStarted, runClosed, history.getEvents().size(), childrenStarted));
        runId = thisRun;
        status = runStatus;
        closed = runClosed;
    }

    AuditReport report(String workflowId, String earlierRunsNotRead) {
        return new AuditReport(workflowId, runId, workflowType, status, started, closed, startedBy, memo, input,
                steps.stream().map(StepBuilder::build).toList(), disks.disks(failureLines), result, failure,
                List.copyOf(runs), earlierRunsNotRead);
    }

    private boolean isFleet() {
        return MigrateFleetWorkflow.TYPE.equals(workflowType);
    }

    /** The disks a fleet's first run lists (a selector's come with its expansion). */
    private void requested(JsonNode json) {
        MigrateFleetRequest request = as(json, MigrateFleetRequest.class);
        if (request != null && request.migrations != null) {
            disks.requested(request.migrations, json.get("migrations"));
        }
    }

    /**
     * What the oldest run read knows from the state the run before it carried over ({@code state},
     * null unless a fleet's): the fleet's start and the disks still to do. Answers the run's number.
     */
    private int carried(FleetState state) {
        if (state == null) {
            return firstRunNumber;
        }
        if (state.startedMillis > 0) {
            started = Instant.ofEpochMilli(state.startedMillis);
        }
        disks.carried(state);
        firstRunNumber = state.run;
        return firstRunNumber;
    }

    /** What the fleet's lookups answered: the expansion of a selector, refusals, children closed unreported. */
    private void answered(StepBuilder step, Instant at) {
        if (step.result == null || step.result.isNull()) {
            return;
        }
        switch (step.activity) {
            case FleetActivities.EXPAND -> disks.expanded(as(step.result, REQUESTS), step.result);
            case FleetActivities.RESOLVE_DISKS -> {
                if (step.input != null) {
                    disks.resolved(as(step.input, REQUESTS), as(step.result, RESOLVED));
                }
            }
            case FleetActivities.CLOSED_CHILDREN -> disks.checked(as(step.result, OUTCOMES), at);
            default -> {
            }
        }
    }

    /** The failure lines of a fleet's result ({@code json}), or null when it is none. */
    private List<String> fleetFailures(JsonNode json) {
        FleetResult fleet = isFleet() ? as(json, FleetResult.class) : null;
        return fleet == null ? null : fleet.failures();
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** A failure's message, with its causes' messages where they add something. */
    private static String message(Failure failure) {
        StringBuilder text = new StringBuilder(failure.getMessage());
        for (Failure cause = failure.hasCause() ? failure.getCause() : null; cause != null;
                cause = cause.hasCause() ? cause.getCause() : null) {
            if (!text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    /** Whether a child's failure is a refusal: an application failure of type Refused anywhere in its chain. */
    private static boolean isRefusal(Failure failure) {
        for (Failure f = failure; f != null; f = f.hasCause() ? f.getCause() : null) {
            if (f.hasApplicationFailureInfo() && FailureType.REFUSED.is(f.getApplicationFailureInfo().getType())) {
                return true;
            }
        }
        return false;
    }

    private static final class StepBuilder {
        final String activity;
        final Instant scheduled;
        final JsonNode input;
        final int run;
        Instant started;
        Instant closed;
        int attempts;
        String outcome = RUNNING;
        JsonNode result;
        String failure;
        String lastRetriedFailure;

        StepBuilder(String activity, Instant scheduled, JsonNode input, int run) {
            this.activity = activity;
            this.scheduled = scheduled;
            this.input = input;
            this.run = run;
        }

        void close(Instant at, String outcome, JsonNode result, String failure) {
            this.closed = at;
            this.outcome = outcome;
            this.result = result;
            this.failure = failure;
        }

        Step build() {
            return new Step(activity, MigrationActivities.COMPENSATIONS.contains(activity), scheduled, started, closed,
                    attempts, outcome, input, result, failure, lastRetriedFailure, run);
        }
    }
}
