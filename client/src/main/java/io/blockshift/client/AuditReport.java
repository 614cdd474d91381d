package io.blockshift.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * What an auditor reads about one workflow, built from its history alone: who asked and why,
 * each step with its times, attempts, input and result, the compensations, the failures, the
 * disks of a fleet, and how it ended.
 *
 * <p>A fleet continues as new every {@code childrenPerRun} starts, so its history is a chain of
 * runs: the report reads them all, oldest first. Its children outlive the run that started them
 * (PARENT_CLOSE_POLICY_ABANDON): a child that ends after its run continued as new has no close
 * event anywhere in the fleet's chain, only the {@code DiskFinished} signal it sent to whichever
 * run was open, or, when it was closed from outside, the answer of the fleet's
 * {@code ClosedChildren} check. Each disk's row says which of these its end is known from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record AuditReport(
        String workflowId,
        String runId,
        String workflowType,
        String status,
        Instant started,
        Instant closed,
        String startedBy,
        Map<String, JsonNode> memo,
        JsonNode input,
        List<Step> steps,
        List<Child> children,
        JsonNode result,
        String failure,
        List<Run> runs,
        String earlierRunsNotRead) {

    /** Times as ISO-8601 text, as the history shows them. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    /** The activities that undo a step of MigrateDisk. */
    private static final Set<String> COMPENSATIONS = Set.of("RevertSnapshot", "DeleteBase", "DeleteOverlay", "AbortMirror");

    /** A disk's end in the fleet's words ({@code DiskOutcome}), and before it ends. */
    static final String DONE = "done";
    static final String FAILED = "failed";
    static final String REFUSED = "refused";
    static final String CANCELED = "canceled";
    static final String RUNNING = "running";
    static final String STARTING = "starting";
    static final String NOT_STARTED = "not started";

    /** Where a disk's end was found. */
    static final String FROM_CLOSE_EVENT = "close event";
    static final String FROM_SIGNAL = "DiskFinished signal";
    static final String FROM_CHECK = "ClosedChildren check";
    static final String FROM_START_FAILED = "start failed";
    static final String FROM_RESOLVE = "ResolveDisks";
    static final String FROM_FLEET_RESULT = "fleet's failures";
    static final String FROM_OWN_HISTORY = "its own history";

    /**
     * One activity: when it was scheduled, started (its last attempt) and closed, how many
     * attempts it took, what went in and came out, and the run it ran in (1 unless continued as new).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Step(
            String activity,
            boolean compensation,
            Instant scheduled,
            Instant started,
            Instant closed,
            int attempts,
            String outcome,
            JsonNode input,
            JsonNode result,
            String failure,
            String lastRetriedFailure,
            int run) {

        Long millis() {
            return closed == null ? null : Duration.between(scheduled, closed).toMillis();
        }
    }

    /**
     * One run of the workflow.
     *
     * @param number 1 for the first run, as the fleet counts its runs
     * @param childrenStarted child workflows this run initiated
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Run(int number, String runId, String status, Instant started, Instant closed, int events, int childrenStarted) {
    }

    /**
     * One disk of a fleet: its child {@code MigrateDisk}, or why none started.
     *
     * @param closed when its close event was recorded, or when the fleet heard of its end (signal or check)
     * @param index the disk's position in the fleet's list (null when the runs read do not say)
     * @param status {@code done}, {@code failed}, {@code refused}, {@code canceled}, {@code running},
     *     {@code starting} or {@code not started}: the fleet's words, so the rows add up to its counts
     * @param endKnownFrom where the end was found: the child's close event, its DiskFinished signal,
     *     the fleet's ClosedChildren check, a start that failed, the fleet's first pass (ResolveDisks),
     *     the fleet's failure lines, or the child's own history ({@code audit --disks})
     * @param run the run of the fleet that started it (null: a run not read)
     * @param runId the child's run ID
     * @param checksum the copy's checksum, when the child's result is known
     * @param note what else to read
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Child(String workflowId, String status, Instant started, Instant closed, JsonNode input, JsonNode result,
            String failure, Integer index, String domain, String disk, String target, String host, Integer run,
            String runId, String endKnownFrom, String checksum, String note) {
    }

    /** Reads the report out of one run's {@code history}. */
    static AuditReport of(WorkflowExecutionHistory history) {
        return of(List.of(history), null);
    }

    /**
     * Reads the report out of a chain of runs, oldest first, each continued as new from the one
     * before. {@code earlierRunsNotRead} says why the chain does not begin with the first run, or is null.
     */
    static AuditReport of(List<WorkflowExecutionHistory> chain, String earlierRunsNotRead) {
        ChainReader reader = new ChainReader(earlierRunsNotRead != null);
        chain.forEach(reader::read);
        return reader.report(chain.get(chain.size() - 1).getWorkflowExecution().getWorkflowId(), earlierRunsNotRead);
    }

    /**
     * The report of {@code workflowId}'s run {@code runId} (null: the latest) and of every run it
     * continued as new from, as far back as the server keeps them.
     *
     * @throws WorkflowNotFoundException or a {@link StatusRuntimeException} when the server has no such run
     */
    static AuditReport read(WorkflowClient client, String workflowId, String runId) {
        WorkflowExecutionHistory asked = runId == null ? client.fetchHistory(workflowId) : client.fetchHistory(workflowId, runId);
        Deque<WorkflowExecutionHistory> chain = new ArrayDeque<>(List.of(asked));
        String notRead = null;
        for (String previous = continuedFrom(asked); previous != null; previous = continuedFrom(chain.peekFirst())) {
            Optional<WorkflowExecutionHistory> run = fetch(client, workflowId, previous);
            if (run.isEmpty()) {
                notRead = "the run before them, " + previous + ", and any earlier are no longer on the server";
                break;
            }
            chain.addFirst(run.get());
        }
        return of(List.copyOf(chain), notRead);
    }

    /** One run's history, or empty when the server does not have it (any more). */
    private static Optional<WorkflowExecutionHistory> fetch(WorkflowClient client, String workflowId, String runId) {
        return WorkflowQueries.unlessNotFound(() -> client.fetchHistory(workflowId, runId));
    }

    /** The run this one continued as new from, or null for the first run (or a run never continued). */
    static String continuedFrom(WorkflowExecutionHistory history) {
        HistoryEvent first = history.getEvents().isEmpty() ? null : history.getEvents().get(0);
        if (first == null || !first.hasWorkflowExecutionStartedEventAttributes()) {
            return null;
        }
        String previous = first.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
        return previous.isEmpty() ? null : previous;
    }

    /**
     * This report with each started disk whose result the fleet's chain lacks completed from the
     * child's own history (one request each): its result, checksum and, if the fleet never heard
     * of its end, how it ended. A disk whose history the server no longer has stays as it was.
     */
    AuditReport withDisksFromTheirHistories(WorkflowClient client) {
        return withDisksFromTheirHistories(
                disk -> fetch(client, disk.workflowId(), disk.runId()).map(AuditReport::of).orElse(null));
    }

    /** As above, {@code audit} answering a disk's own report, or null when it cannot be read. */
    private AuditReport withDisksFromTheirHistories(Function<Child, AuditReport> audit) {
        if (children == null) {
            return this;
        }
        List<Child> completed = new ArrayList<>();
        for (Child c : children) {
            AuditReport own = c.workflowId() == null || c.runId() == null || c.result() != null ? null : audit.apply(c);
            if (own == null) {
                completed.add(c);
                continue;
            }
            boolean endUnknown = RUNNING.equals(c.status()) || STARTING.equals(c.status());
            boolean ended = own.closed() != null;
            String status = endUnknown && ended ? switch (own.status()) {
                case "completed" -> DONE;
                case "canceled" -> CANCELED;
                default -> FAILED;
            } : c.status();
            completed.add(new Child(c.workflowId(), status, c.started(), endUnknown ? own.closed() : c.closed(), c.input(),
                    own.result(), endUnknown && ended ? own.failure() : c.failure(), c.index(), c.domain(), c.disk(),
                    c.target(), c.host(), c.run(), c.runId(), endUnknown && ended ? FROM_OWN_HISTORY : c.endKnownFrom(),
                    checksumOf(own.result()), own.result() != null ? null : c.note()));
        }
        return new AuditReport(workflowId, runId, workflowType, status, started, closed, startedBy, memo, input, steps,
                completed, result, failure, runs, earlierRunsNotRead);
    }

    // ---------------------------------------------------------------- rendering

    void printJson(PrintStream out) throws IOException {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /** Markdown, readable as it is in a terminal. */
    void printMarkdown(PrintStream out) {
        boolean chained = runs.size() > 1 || earlierRunsNotRead != null;
        out.println("# " + workflowType + " " + workflowId);
        out.println();
        out.println("| | |");
        out.println("|---|---|");
        if (chained) {
            row(out, "runs", runs.size() + (earlierRunsNotRead == null ? " (continued as new " + (runs.size() - 1) + " times)"
                    : " read (" + earlierRunsNotRead + ")") + "; the last: " + runId);
        } else {
            row(out, "run", runId);
        }
        row(out, "status", status);
        String notRecorded = earlierRunsNotRead == null ? "(not recorded)" : "(not read: the first run has it)";
        row(out, "requested by", memo.containsKey("requestedBy") ? memo.get("requestedBy").asText() : notRecorded);
        row(out, "reason", memo.containsKey("reason") ? memo.get("reason").asText() : notRecorded);
        row(out, "started by (client identity)", startedBy);
        row(out, "started", String.valueOf(started));
        row(out, "closed", closed == null ? "(still running)" : closed + " (" + Duration.between(started, closed).toMillis() + " ms)");
        memo.forEach((k, v) -> {
            if (!k.equals("requestedBy") && !k.equals("reason")) {
                row(out, "memo " + k, v.isTextual() ? v.asText() : v.toString());
            }
        });
        if (failure != null) {
            row(out, "failure", failure);
        }
        out.println();
        out.println("## Input");
        out.println();
        out.println(input == null && earlierRunsNotRead != null ? "(in the first run, not read)"
                : "```json\n" + pretty(input) + "\n```");
        if (chained) {
            out.println();
            out.println("## Runs");
            out.println();
            out.println("| run | run ID | started | closed | status | events | disks started |");
            out.println("|---|---|---|---|---|---|---|");
            for (Run run : runs) {
                out.println("| " + run.number() + " | " + run.runId() + " | " + run.started() + " | "
                        + (run.closed() == null ? "" : run.closed()) + " | " + run.status() + " | " + run.events() + " | "
                        + run.childrenStarted() + " |");
            }
        }
        if (!steps.isEmpty()) {
            out.println();
            out.println("## Steps");
            out.println();
            out.println((chained ? "| run " : "") + "| activity | kind | scheduled | ms | attempts | outcome | result or failure |");
            out.println((chained ? "|---" : "") + "|---|---|---|---|---|---|---|");
            for (Step step : steps) {
                String what = step.failure() != null ? step.failure() : step.result() == null ? "" : step.result().toString();
                if (step.lastRetriedFailure() != null) {
                    what += " (retried after: " + step.lastRetriedFailure() + ")";
                }
                out.println((chained ? "| " + step.run() + " " : "") + "| " + step.activity() + " | "
                        + (step.compensation() ? "compensation" : "step") + " | " + step.scheduled() + " | "
                        + (step.millis() == null ? "" : step.millis()) + " | " + step.attempts() + " | " + step.outcome()
                        + " | " + cell(what) + " |");
            }
        }
        if (children != null) {
            printDisks(out);
        }
        if (result != null) {
            out.println();
            out.println("## Result");
            out.println();
            out.println("```json\n" + pretty(result) + "\n```");
        }
    }

    /** The disks table, a line of counts, and where to read more. */
    private void printDisks(PrintStream out) {
        out.println();
        out.println("## Disks");
        out.println();
        out.println("| # | workflow | domain | disk | target | run | status | known from | checksum or failure |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        Map<String, Integer> counts = new LinkedHashMap<>();
        int toReadElsewhere = 0;
        for (Child c : children) {
            counts.merge(c.status(), 1, Integer::sum);
            toReadElsewhere += c.note() == null ? 0 : 1;
            String what = c.failure() != null ? c.failure()
                    : c.checksum() != null ? c.result().path("checksumAlgorithm").asText("checksum") + " " + c.checksum()
                    : c.result() != null ? "no checksum (" + c.result().path("cloner").asText() + ")"
                    : "";
            boolean neverStarted = NOT_STARTED.equals(c.status()) || FROM_RESOLVE.equals(c.endKnownFrom())
                    || FROM_FLEET_RESULT.equals(c.endKnownFrom());
            String run = c.run() != null ? c.run().toString() : neverStarted ? "" : "earlier";
            out.println("| " + (c.index() == null ? "" : c.index()) + " | " + cell(c.workflowId()) + " | " + cell(c.domain())
                    + " | " + cell(c.disk()) + " | " + cell(c.target()) + " | " + run + " | " + c.status() + " | "
                    + cell(c.endKnownFrom()) + " | " + cell(what) + " |");
        }
        out.println();
        StringBuilder line = new StringBuilder(children.size() + " disk(s): ");
        counts.forEach((status, n) -> line.append(n).append(' ').append(status).append(", "));
        out.println(line.substring(0, line.length() - 2) + ".");
        if (earlierRunsNotRead != null) {
            out.println("Disks that ended in the runs not read are not listed; the fleet's result counts them.");
        }
        if (toReadElsewhere > 0) {
            // Their children outlived the run that started them, so no close event of theirs is in the fleet's history.
            out.println(toReadElsewhere + " disk(s) have their steps and checksum in their own history only: `blockshift audit"
                    + " WORKFLOW_ID` shows one disk's, and `blockshift audit " + workflowId + " --disks` adds every"
                    + " disk's checksum here.");
        }
    }

    private static void row(PrintStream out, String name, String value) {
        out.println("| " + name + " | " + cell(value) + " |");
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String pretty(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            return String.valueOf(node);
        }
    }

    // ---------------------------------------------------------------- decoding

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** One payload of several as JSON: blockshift's inputs and results are all plain JSON. */
    private static JsonNode json(Payloads payloads, int which) {
        return payloads.getPayloadsCount() <= which ? null : json(payloads.getPayloads(which));
    }

    private static JsonNode json(Payload payload) {
        String encoding = payload.getMetadataOrDefault("encoding", com.google.protobuf.ByteString.EMPTY)
                .toString(StandardCharsets.UTF_8);
        if (!encoding.startsWith("json")) {
            return encoding.equals("binary/null") ? null : JSON.getNodeFactory().textNode("(" + encoding + " payload)");
        }
        try {
            return JSON.readTree(payload.getData().toStringUtf8());
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(payload.getData().toStringUtf8());
        }
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

    /** The checksum in a MigrateDisk result, or null. */
    private static String checksumOf(JsonNode result) {
        return result == null || !result.path("checksum").isTextual() ? null : result.path("checksum").asText();
    }

    /** Reads a chain of runs, oldest first, into one report. */
    private static final class ChainReader {
        /** The chain read lacks its first runs: the disks come from the carried state of the oldest run read. */
        final boolean firstRunsMissing;
        String workflowType;
        String status = RUNNING;
        Instant started;
        Instant closed;
        String startedBy;
        final Map<String, JsonNode> memo = new LinkedHashMap<>();
        JsonNode input;
        JsonNode result;
        String failure;
        /** The fleet's failure lines ("#index domain/disk: why"): in its result, or the details of its failure. */
        JsonNode failureLines;
        String runId;
        final List<StepBuilder> steps = new ArrayList<>();
        final List<ChildBuilder> children = new ArrayList<>();
        final List<Run> runs = new ArrayList<>();
        /** The fleet's disks as requested, in order, before any child is matched to them. */
        final List<DiskBuilder> disks = new ArrayList<>();
        /** By child workflow ID, each disk's DiskFinished signal and ClosedChildren answer (the first of each). */
        final Map<String, Heard> signals = new HashMap<>();
        final Map<String, Heard> checks = new HashMap<>();
        /** Why the fleet's first pass refused a disk, by {@link #key} of its request. */
        final Map<String, String> refusedByResolve = new HashMap<>();
        int firstRunNumber = 1;

        ChainReader(boolean firstRunsMissing) {
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
            Map<Long, ChildBuilder> childrenById = new HashMap<>();
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
                            requested(input);
                            if (firstRunsMissing) {
                                number = carried(json(a.getInput(), 1));
                            }
                        }
                    }
                    case EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED ->
                            e.getWorkflowPropertiesModifiedEventAttributes().getUpsertedMemo().getFieldsMap()
                                    .forEach((k, v) -> memo.put(k, json(v)));
                    case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> {
                        var a = e.getWorkflowExecutionSignaledEventAttributes();
                        JsonNode outcome = json(a.getInput(), 0);
                        if (a.getSignalName().equals("DiskFinished") && outcome != null) {
                            signals.putIfAbsent(outcome.path("workflowId").asText(), new Heard(outcome, at));
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
                        step.close(at, "completed", json(a.getResult(), 0), null);
                        answered(step, at);
                    }
                    case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
                        var a = e.getActivityTaskFailedEventAttributes();
                        stepsById.get(a.getScheduledEventId()).close(at, "failed", null, message(a.getFailure()));
                    }
                    case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
                        var a = e.getActivityTaskTimedOutEventAttributes();
                        stepsById.get(a.getScheduledEventId()).close(at, "timed out", null, message(a.getFailure()));
                    }
                    case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
                        var a = e.getActivityTaskCanceledEventAttributes();
                        stepsById.get(a.getScheduledEventId()).close(at, "canceled", null, null);
                    }
                    case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED -> {
                        var a = e.getStartChildWorkflowExecutionInitiatedEventAttributes();
                        ChildBuilder child = new ChildBuilder(a.getWorkflowId(), json(a.getInput(), 0), number);
                        childrenById.put(e.getEventId(), child);
                        children.add(child);
                        childrenStarted++;
                    }
                    case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                        var a = e.getStartChildWorkflowExecutionFailedEventAttributes();
                        ChildBuilder child = childrenById.get(a.getInitiatedEventId());
                        child.close(at, REFUSED, null, "not started (" + a.getCause().name() + "): already being migrated by"
                                + " the running workflow " + child.workflowId + "; this fleet did not start another");
                        child.endKnownFrom = FROM_START_FAILED;
                    }
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> {
                        var a = e.getChildWorkflowExecutionStartedEventAttributes();
                        ChildBuilder child = childrenById.get(a.getInitiatedEventId());
                        child.started = at;
                        child.status = RUNNING;
                        child.runId = a.getWorkflowExecution().getRunId();
                    }
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED -> {
                        var a = e.getChildWorkflowExecutionCompletedEventAttributes();
                        childrenById.get(a.getInitiatedEventId()).close(at, DONE, json(a.getResult(), 0), null);
                    }
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                        var a = e.getChildWorkflowExecutionFailedEventAttributes();
                        childrenById.get(a.getInitiatedEventId()).close(at, isRefusal(a.getFailure()) ? REFUSED : FAILED,
                                null, message(a.getFailure()));
                    }
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED -> childrenById.get(
                            e.getChildWorkflowExecutionCanceledEventAttributes().getInitiatedEventId()).close(at, CANCELED,
                            null, null);
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT -> childrenById.get(
                            e.getChildWorkflowExecutionTimedOutEventAttributes().getInitiatedEventId()).close(at, FAILED,
                            null, "timed out");
                    case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED -> childrenById.get(
                            e.getChildWorkflowExecutionTerminatedEventAttributes().getInitiatedEventId()).close(at, FAILED,
                            null, "terminated");
                    case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> {
                        runStatus = "completed";
                        result = json(e.getWorkflowExecutionCompletedEventAttributes().getResult(), 0);
                        failureLines = result == null ? null : result.get("failures");
                    }
                    case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> {
                        runStatus = "failed";
                        Failure f = e.getWorkflowExecutionFailedEventAttributes().getFailure();
                        failure = message(f);
                        // A fleet stopped after a failure keeps its result in the failure's details.
                        JsonNode details = f.hasApplicationFailureInfo() ? json(f.getApplicationFailureInfo().getDetails(), 0)
                                : null;
                        failureLines = details == null ? null : details.get("failures");
                    }
                    case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> runStatus = "canceled";
                    case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
                        runStatus = "terminated";
                        failure = e.getWorkflowExecutionTerminatedEventAttributes().getReason();
                    }
                    case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> runStatus = "timed out";
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

        /** The disks a fleet's first run lists (a selector's come with its expansion). */
        private void requested(JsonNode request) {
            if (request != null && request.path("migrations").isArray()) {
                int index = 0;
                for (JsonNode migration : request.get("migrations")) {
                    disks.add(new DiskBuilder(index++, migration));
                }
            }
        }

        /**
         * The disks the oldest run read knows from the state the run before it carried over:
         * running (children of runs not read), resolved and waiting, and not resolved yet. Those that
         * ended in the runs not read are gone from it. Answers the run's number.
         */
        private int carried(JsonNode state) {
            if (state == null || !state.isObject()) {
                return firstRunNumber;
            }
            if (state.path("startedMillis").canConvertToLong() && state.path("startedMillis").asLong() > 0) {
                started = Instant.ofEpochMilli(state.path("startedMillis").asLong());
            }
            state.path("running").forEach(disk -> disks.add(DiskBuilder.of(disk, true)));
            unpacked(state, "ready").forEach(disk -> disks.add(DiskBuilder.of(disk, false)));
            Set<Integer> skip = new HashSet<>();
            state.path("skip").forEach(i -> skip.add(i.asInt()));
            int index = state.path("nextIndex").asInt();
            for (JsonNode request : unpacked(state, "pending")) {
                if (!skip.contains(index)) {
                    disks.add(new DiskBuilder(index, request));
                }
                index++;
            }
            firstRunNumber = state.path("run").asInt(1);
            return firstRunNumber;
        }

        /** A list the fleet carries as it is ({@code name}) or gzip'd JSON ({@code namePacked}). */
        private static JsonNode unpacked(JsonNode state, String name) {
            JsonNode packed = state.path(name + "Packed");
            if (!packed.isTextual()) {
                return state.path(name);
            }
            try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(packed.binaryValue()))) {
                return JSON.readTree(gzip);
            } catch (IOException e) {
                return JSON.createArrayNode();
            }
        }

        /** What the fleet's lookups answered: the expansion of a selector, refusals, children closed unreported. */
        private void answered(StepBuilder step, Instant at) {
            switch (step.activity) {
                case "Expand" -> {
                    if (disks.isEmpty() && step.result != null) {
                        requested(JSON.createObjectNode().set("migrations", step.result));
                    }
                }
                case "ResolveDisks" -> {
                    for (int i = 0; step.input != null && i < step.input.size() && step.result != null
                            && i < step.result.size(); i++) {
                        JsonNode refused = step.result.get(i).path("refused");
                        if (refused.isTextual()) {
                            refusedByResolve.putIfAbsent(key(step.input.get(i)), refused.asText());
                        }
                    }
                }
                case "ClosedChildren" -> {
                    if (step.result != null) {
                        step.result.forEach(outcome -> checks.putIfAbsent(outcome.path("workflowId").asText(),
                                new Heard(outcome, at)));
                    }
                }
                default -> {
                }
            }
        }

        AuditReport report(String workflowId, String earlierRunsNotRead) {
            return new AuditReport(workflowId, runId, workflowType, status, started, closed, startedBy, memo, input,
                    steps.stream().map(StepBuilder::build).toList(), disks(), result, failure, List.copyOf(runs),
                    earlierRunsNotRead);
        }

        /** Every disk once: the requested ones in order, each matched to the child that migrated it. */
        private List<Child> disks() {
            if (disks.isEmpty() && children.isEmpty()) {
                return null;
            }
            Map<String, DiskBuilder> byWorkflowId = new HashMap<>();
            Map<String, ArrayDeque<DiskBuilder>> byRequest = new HashMap<>();
            for (DiskBuilder disk : disks) {
                if (disk.workflowId != null) {
                    byWorkflowId.put(disk.workflowId, disk);
                }
                byRequest.computeIfAbsent(key(disk.request), k -> new ArrayDeque<>()).add(disk);
            }
            List<DiskBuilder> all = new ArrayList<>(disks);
            for (ChildBuilder child : children) {
                DiskBuilder disk = byWorkflowId.get(child.workflowId);
                if (disk == null || disk.child != null) {
                    ArrayDeque<DiskBuilder> same = byRequest.getOrDefault(key(child.input), new ArrayDeque<>());
                    while (!same.isEmpty() && (same.peek().child != null || same.peek().workflowId != null)) {
                        same.poll();
                    }
                    disk = same.poll();
                }
                if (disk == null) {
                    disk = new DiskBuilder(null, child.input);
                    all.add(disk);
                }
                disk.child = child;
                disk.workflowId = child.workflowId;
            }
            Map<Integer, String> failedLines = failureLinesByIndex();
            return all.stream()
                    .sorted(Comparator.comparing((DiskBuilder d) -> d.index, Comparator.nullsLast(Comparator.naturalOrder())))
                    .map(d -> d.build(this, failedLines.get(d.index)))
                    .toList();
        }

        /** The fleet's own lines on disks that failed, by index: the first 100 it keeps. */
        private Map<Integer, String> failureLinesByIndex() {
            Map<Integer, String> lines = new HashMap<>();
            if (failureLines != null) {
                for (JsonNode line : failureLines) {
                    Matcher m = FAILURE_LINE.matcher(line.asText());
                    if (m.matches()) {
                        lines.putIfAbsent(Integer.parseInt(m.group(1)), m.group(2));
                    }
                }
            }
            return lines;
        }
    }

    /** A {@code DiskOutcome} the fleet heard (by signal or by its check) and when. */
    private record Heard(JsonNode outcome, Instant at) {
    }

    /** A line of the fleet's failures: "#3 vm1/vdb: refused: ...". */
    private static final Pattern FAILURE_LINE = Pattern.compile("#(\\d+) [^:]*: (.*)", Pattern.DOTALL);

    /** What identifies a requested disk before it is resolved: as it was asked for. */
    private static String key(JsonNode request) {
        if (request == null) {
            return "";
        }
        String host = request.path("host").asText("");
        return String.join("\u0000", request.path("domain").asText(), request.path("disk").asText(),
                request.path("target").asText(), host.isBlank() ? "" : host);
    }

    /** Whether a child's failure is a refusal: an application failure of type Refused anywhere in its chain. */
    private static boolean isRefusal(Failure failure) {
        for (Failure f = failure; f != null; f = f.hasCause() ? f.getCause() : null) {
            if (f.hasApplicationFailureInfo() && "Refused".equals(f.getApplicationFailureInfo().getType())) {
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
        String outcome = "running";
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
            return new Step(activity, COMPENSATIONS.contains(activity), scheduled, started, closed, attempts, outcome,
                    input, result, failure, lastRetriedFailure, run);
        }
    }

    /** A child workflow as the run that initiated it saw it. */
    private static final class ChildBuilder {
        final String workflowId;
        final JsonNode input;
        final int run;
        String runId;
        Instant started;
        Instant closed;
        String status = STARTING;
        String endKnownFrom;
        JsonNode result;
        String failure;

        ChildBuilder(String workflowId, JsonNode input, int run) {
            this.workflowId = workflowId;
            this.input = input;
            this.run = run;
        }

        void close(Instant at, String status, JsonNode result, String failure) {
            this.closed = at;
            this.status = status;
            this.result = result;
            this.failure = failure;
            this.endKnownFrom = FROM_CLOSE_EVENT;
        }
    }

    /** One disk of a fleet while the chain is read: as requested, then the child that migrated it. */
    private static final class DiskBuilder {
        final Integer index;
        final JsonNode request;
        String workflowId;
        /** Started by a run not read (it was running when the oldest run read began), and its run ID if carried. */
        boolean startedEarlier;
        String carriedRunId;
        ChildBuilder child;

        DiskBuilder(Integer index, JsonNode request) {
            this.index = index;
            this.request = request;
        }

        /** A {@code FleetDisk} the fleet carried into the next run, {@code running} or waiting to start. */
        static DiskBuilder of(JsonNode fleetDisk, boolean running) {
            DiskBuilder disk = new DiskBuilder(fleetDisk.path("index").isInt() ? fleetDisk.get("index").asInt() : null,
                    fleetDisk.get("request"));
            disk.workflowId = fleetDisk.path("workflowId").textValue();
            disk.startedEarlier = running;
            disk.carriedRunId = fleetDisk.path("runId").textValue();
            return disk;
        }

        /**
         * Its end as the chain knows it: the child's close event in the run that started it, else
         * its DiskFinished signal, else the fleet's ClosedChildren answer; for a disk never started,
         * the first pass's refusal or the fleet's failure line ({@code failureLine}).
         */
        Child build(ChainReader chain, String failureLine) {
            Heard signal = workflowId == null ? null : chain.signals.get(workflowId);
            Heard check = workflowId == null ? null : chain.checks.get(workflowId);
            Instant closed = child == null ? null : child.closed;
            String status;
            String from;
            String failure = null;
            String note = null;
            JsonNode result = child == null ? null : child.result;
            boolean started = child != null || startedEarlier;
            if (child != null && child.endKnownFrom != null) {
                status = child.status;
                from = child.endKnownFrom;
                failure = child.failure;
                if (CANCELED.equals(status) && signal != null && DONE.equals(signal.outcome().path("outcome").asText())) {
                    // Canceled after the point of no return: the SDK closes it Canceled, the disk moved.
                    status = DONE;
                    from = FROM_CLOSE_EVENT + " and " + FROM_SIGNAL;
                    failure = "closed Canceled, but the cancel came after the point of no return: the disk moved";
                }
            } else if (signal != null) {
                status = signal.outcome().path("outcome").asText();
                from = FROM_SIGNAL;
                failure = signal.outcome().path("message").textValue();
                closed = signal.at();
            } else if (check != null) {
                status = check.outcome().path("outcome").asText();
                from = FROM_CHECK;
                failure = check.outcome().path("message").textValue();
                closed = check.at();
            } else if (started) {
                status = child != null && child.started == null ? STARTING : RUNNING;
                from = null;
            } else if (chain.refusedByResolve.containsKey(key(request))) {
                status = REFUSED;
                from = FROM_RESOLVE;
                failure = chain.refusedByResolve.get(key(request));
            } else if (failureLine != null) {
                status = failureLine.startsWith(REFUSED + ":") ? REFUSED : FAILED;
                from = FROM_FLEET_RESULT;
                failure = failureLine;
            } else {
                status = NOT_STARTED;
                from = null;
            }
            if (started && result == null && workflowId != null) {
                note = (RUNNING.equals(status) || STARTING.equals(status) ? "its steps so far" : "its steps and checksum")
                        + ": blockshift audit " + workflowId;
            }
            JsonNode in = request != null ? request : child == null ? null : child.input;
            String host = in == null ? null : in.path("host").textValue();
            return new Child(workflowId, status, child == null ? null : child.started, closed, in, result, failure, index,
                    in == null ? null : in.path("domain").textValue(), in == null ? null : in.path("disk").textValue(),
                    in == null ? null : in.path("target").textValue(), host == null || host.isBlank() ? null : host,
                    child == null ? null : child.run, child != null && child.runId != null ? child.runId : carriedRunId,
                    from, checksumOf(result), note);
        }
    }
}
