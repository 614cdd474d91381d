package io.blockshift.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.google.protobuf.Timestamp;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an auditor reads about one workflow, built from its history alone: who asked and why,
 * each step with its times, attempts, input and result, the compensations, the failures, the
 * children of a fleet, and how it ended.
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
        String failure) {

    /** Times as ISO-8601 text, as the history shows them. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    /** The activities that undo a step of MigrateDisk. */
    private static final Set<String> COMPENSATIONS = Set.of("RevertSnapshot", "DeleteBase", "DeleteOverlay", "AbortMirror");

    /**
     * One activity: when it was scheduled, started (its last attempt) and closed, how many
     * attempts it took, and what went in and came out.
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
            String lastRetriedFailure) {

        Long millis() {
            return closed == null ? null : Duration.between(scheduled, closed).toMillis();
        }
    }

    /** One child workflow of a fleet: one disk. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Child(String workflowId, String status, Instant started, Instant closed, JsonNode input, JsonNode result,
            String failure) {
    }

    /** Reads the report out of {@code history}. */
    static AuditReport of(WorkflowExecutionHistory history) {
        String workflowType = null;
        String status = "running";
        Instant started = null;
        Instant closed = null;
        String startedBy = null;
        Map<String, JsonNode> memo = new LinkedHashMap<>();
        JsonNode input = null;
        JsonNode result = null;
        String failure = null;
        String runId = history.getWorkflowExecution().getRunId();
        Map<Long, StepBuilder> steps = new LinkedHashMap<>();
        Map<Long, ChildBuilder> children = new LinkedHashMap<>();
        for (HistoryEvent e : history.getEvents()) {
            Instant at = instant(e.getEventTime());
            switch (e.getEventType()) {
                case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
                    var a = e.getWorkflowExecutionStartedEventAttributes();
                    workflowType = a.getWorkflowType().getName();
                    started = at;
                    startedBy = a.getIdentity();
                    input = json(a.getInput());
                    // A fetched history knows its run only from here.
                    runId = a.getOriginalExecutionRunId().isEmpty() ? runId : a.getOriginalExecutionRunId();
                    a.getMemo().getFieldsMap().forEach((k, v) -> memo.put(k, json(v)));
                }
                case EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED ->
                        e.getWorkflowPropertiesModifiedEventAttributes().getUpsertedMemo().getFieldsMap()
                                .forEach((k, v) -> memo.put(k, json(v)));
                case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
                    var a = e.getActivityTaskScheduledEventAttributes();
                    StepBuilder step = new StepBuilder(a.getActivityType().getName(), at, json(a.getInput()));
                    steps.put(e.getEventId(), step);
                }
                case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
                    var a = e.getActivityTaskStartedEventAttributes();
                    StepBuilder step = steps.get(a.getScheduledEventId());
                    step.started = at;
                    step.attempts = a.getAttempt();
                    if (a.hasLastFailure()) {
                        step.lastRetriedFailure = message(a.getLastFailure());
                    }
                }
                case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
                    var a = e.getActivityTaskCompletedEventAttributes();
                    steps.get(a.getScheduledEventId()).close(at, "completed", json(a.getResult()), null);
                }
                case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
                    var a = e.getActivityTaskFailedEventAttributes();
                    steps.get(a.getScheduledEventId()).close(at, "failed", null, message(a.getFailure()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
                    var a = e.getActivityTaskTimedOutEventAttributes();
                    steps.get(a.getScheduledEventId()).close(at, "timed out", null, message(a.getFailure()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
                    var a = e.getActivityTaskCanceledEventAttributes();
                    steps.get(a.getScheduledEventId()).close(at, "canceled", null, null);
                }
                case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED -> {
                    var a = e.getStartChildWorkflowExecutionInitiatedEventAttributes();
                    children.put(e.getEventId(), new ChildBuilder(a.getWorkflowId(), json(a.getInput())));
                }
                case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                    var a = e.getStartChildWorkflowExecutionFailedEventAttributes();
                    children.get(a.getInitiatedEventId()).close(at, "not started", null, a.getCause().name());
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> {
                    ChildBuilder child = children.get(e.getChildWorkflowExecutionStartedEventAttributes().getInitiatedEventId());
                    child.started = at;
                    child.status = "running";
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED -> {
                    var a = e.getChildWorkflowExecutionCompletedEventAttributes();
                    children.get(a.getInitiatedEventId()).close(at, "completed", json(a.getResult()), null);
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                    var a = e.getChildWorkflowExecutionFailedEventAttributes();
                    children.get(a.getInitiatedEventId()).close(at, "failed", null, message(a.getFailure()));
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED -> children.get(
                        e.getChildWorkflowExecutionCanceledEventAttributes().getInitiatedEventId()).close(at, "canceled", null, null);
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT -> children.get(
                        e.getChildWorkflowExecutionTimedOutEventAttributes().getInitiatedEventId()).close(at, "timed out", null, null);
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED -> children.get(
                        e.getChildWorkflowExecutionTerminatedEventAttributes().getInitiatedEventId()).close(at, "terminated", null, null);
                case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> {
                    status = "completed";
                    closed = at;
                    result = json(e.getWorkflowExecutionCompletedEventAttributes().getResult());
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> {
                    status = "failed";
                    closed = at;
                    failure = message(e.getWorkflowExecutionFailedEventAttributes().getFailure());
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> {
                    status = "canceled";
                    closed = at;
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
                    status = "terminated";
                    closed = at;
                    failure = e.getWorkflowExecutionTerminatedEventAttributes().getReason();
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> {
                    status = "timed out";
                    closed = at;
                }
                case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> {
                    status = "continued as new";
                    closed = at;
                }
                default -> {
                }
            }
        }
        return new AuditReport(history.getWorkflowExecution().getWorkflowId(), runId,
                workflowType, status, started, closed, startedBy, memo, input,
                steps.values().stream().map(StepBuilder::build).toList(),
                children.isEmpty() ? null : children.values().stream().map(ChildBuilder::build).toList(),
                result, failure);
    }

    // ---------------------------------------------------------------- rendering

    void printJson(PrintStream out) throws IOException {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /** Markdown, readable as it is in a terminal. */
    void printMarkdown(PrintStream out) {
        out.println("# " + workflowType + " " + workflowId);
        out.println();
        out.println("| | |");
        out.println("|---|---|");
        row(out, "run", runId);
        row(out, "status", status);
        row(out, "requested by", memo.containsKey("requestedBy") ? memo.get("requestedBy").asText() : "(not recorded)");
        row(out, "reason", memo.containsKey("reason") ? memo.get("reason").asText() : "(not recorded)");
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
        out.println("```json\n" + pretty(input) + "\n```");
        if (!steps.isEmpty()) {
            out.println();
            out.println("## Steps");
            out.println();
            out.println("| activity | kind | scheduled | ms | attempts | outcome | result or failure |");
            out.println("|---|---|---|---|---|---|---|");
            for (Step step : steps) {
                String what = step.failure() != null ? step.failure() : step.result() == null ? "" : step.result().toString();
                if (step.lastRetriedFailure() != null) {
                    what += " (retried after: " + step.lastRetriedFailure() + ")";
                }
                out.println("| " + step.activity() + " | " + (step.compensation() ? "compensation" : "step") + " | "
                        + step.scheduled() + " | " + (step.millis() == null ? "" : step.millis()) + " | " + step.attempts()
                        + " | " + step.outcome() + " | " + cell(what) + " |");
            }
        }
        if (children != null) {
            out.println();
            out.println("## Disks");
            out.println();
            out.println("| workflow | domain | disk | target | status | result or failure |");
            out.println("|---|---|---|---|---|---|");
            for (Child child : children) {
                JsonNode in = child.input() == null ? JSON.createObjectNode() : child.input();
                String what = child.failure() != null ? child.failure()
                        : child.result() == null ? "" : "checksum " + child.result().path("checksum").asText("-");
                out.println("| " + child.workflowId() + " | " + in.path("domain").asText() + " | " + in.path("disk").asText()
                        + " | " + in.path("target").asText() + " | " + child.status() + " | " + cell(what) + " |");
            }
        }
        if (result != null) {
            out.println();
            out.println("## Result");
            out.println();
            out.println("```json\n" + pretty(result) + "\n```");
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

    /** The first payload as JSON: blockshift's inputs and results are all plain JSON. */
    private static JsonNode json(Payloads payloads) {
        return payloads.getPayloadsCount() == 0 ? null : json(payloads.getPayloads(0));
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

    private static final class StepBuilder {
        final String activity;
        final Instant scheduled;
        final JsonNode input;
        Instant started;
        Instant closed;
        int attempts;
        String outcome = "running";
        JsonNode result;
        String failure;
        String lastRetriedFailure;

        StepBuilder(String activity, Instant scheduled, JsonNode input) {
            this.activity = activity;
            this.scheduled = scheduled;
            this.input = input;
        }

        void close(Instant at, String outcome, JsonNode result, String failure) {
            this.closed = at;
            this.outcome = outcome;
            this.result = result;
            this.failure = failure;
        }

        Step build() {
            return new Step(activity, COMPENSATIONS.contains(activity), scheduled, started, closed, attempts, outcome,
                    input, result, failure, lastRetriedFailure);
        }
    }

    private static final class ChildBuilder {
        final String workflowId;
        final JsonNode input;
        Instant started;
        Instant closed;
        String status = "starting";
        JsonNode result;
        String failure;

        ChildBuilder(String workflowId, JsonNode input) {
            this.workflowId = workflowId;
            this.input = input;
        }

        void close(Instant at, String status, JsonNode result, String failure) {
            this.closed = at;
            this.status = status;
            this.result = result;
            this.failure = failure;
        }

        Child build() {
            return new Child(workflowId, status, started, closed, input, result, failure);
        }
    }
}
