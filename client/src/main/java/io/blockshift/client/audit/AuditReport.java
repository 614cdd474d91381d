package io.blockshift.client.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an auditor reads about one workflow, built from its history alone: who asked and why,
 * each step with its times, attempts, input and result, the compensations, the failures, the
 * disks of a fleet, and how it ended.
 *
 * <p>A fleet continues as new every {@code childrenPerRun} starts, so its history is a chain of
 * runs: the report reads them all, oldest first ({@link HistoryChain}, {@link HistoryReader}). Its
 * children outlive the run that started them (PARENT_CLOSE_POLICY_ABANDON): a child that ends after
 * its run continued as new has no close event anywhere in the fleet's chain, only the
 * {@code DiskFinished} signal it sent to whichever run was open, or, when it was closed from
 * outside, the answer of the fleet's {@code ClosedChildren} check. Each disk's row says which of
 * these its end is known from ({@link FleetDisks}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditReport(
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

    /** The report as JSON: times as ISO-8601 text, as the history shows them. */
    static final ObjectMapper OUTPUT = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    /**
     * One activity: when it was scheduled, started (its last attempt) and closed, how many
     * attempts it took, what went in and came out, and the run it ran in (1 unless continued as new).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(
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

        public Long millis() {
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
    public record Run(int number, String runId, String status, Instant started, Instant closed, int events,
            int childrenStarted) {
    }

    /**
     * One disk of a fleet: its child {@code MigrateDisk}, or why none started.
     *
     * @param closed when its close event was recorded, or when the fleet heard of its end (signal or check)
     * @param index the disk's position in the fleet's list (null when the runs read do not say)
     * @param status {@code done}, {@code failed}, {@code refused}, {@code canceled}, {@code running},
     *     {@code starting} or {@code not started}: the fleet's words, so the rows add up to its counts
     * @param endKnownFrom where the end was found ({@link DiskEnd}): the child's close event, its
     *     DiskFinished signal, the fleet's ClosedChildren check, a start that failed, the fleet's
     *     first pass (ResolveDisks), the fleet's failure lines, or the child's own history
     *     ({@code audit --disks})
     * @param run the run of the fleet that started it (null: a run not read)
     * @param runId the child's run ID
     * @param checksum the copy's checksum, when the child's result is known
     * @param note what else to read
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Child(String workflowId, String status, Instant started, Instant closed, JsonNode input,
            JsonNode result, String failure, Integer index, String domain, String disk, String target, String host,
            Integer run, String runId, String endKnownFrom, String checksum, String note) {
    }

    /** Reads the report out of one run's {@code history}. */
    public static AuditReport of(WorkflowExecutionHistory history) {
        return of(List.of(history), null);
    }

    /**
     * Reads the report out of a chain of runs, oldest first, each continued as new from the one
     * before. {@code earlierRunsNotRead} says why the chain does not begin with the first run, or is null.
     */
    public static AuditReport of(List<WorkflowExecutionHistory> chain, String earlierRunsNotRead) {
        HistoryReader reader = new HistoryReader(earlierRunsNotRead != null);
        chain.forEach(reader::read);
        return reader.report(chain.get(chain.size() - 1).getWorkflowExecution().getWorkflowId(), earlierRunsNotRead);
    }

    /**
     * The report of {@code workflowId}'s run {@code runId} (null: the latest) and of every run it
     * continued as new from, as far back as the server keeps them.
     *
     * @throws WorkflowNotFoundException or a {@link StatusRuntimeException} when the server has no such run
     */
    public static AuditReport read(WorkflowClient client, String workflowId, String runId) {
        HistoryChain chain = HistoryChain.fetch(client, workflowId, runId);
        return of(chain.runs(), chain.earlierRunsNotRead());
    }

    /**
     * This report with each started disk whose result the fleet's chain lacks completed from the
     * child's own history (one request each): its result, checksum and, if the fleet never heard
     * of its end, how it ended. A disk whose history the server no longer has stays as it was.
     */
    public AuditReport withDisksFromTheirHistories(WorkflowClient client) {
        if (children == null) {
            return this;
        }
        List<Child> completed = FleetDisks.completedFromOwnHistories(children,
                disk -> HistoryChain.run(client, disk.workflowId(), disk.runId()).map(AuditReport::of).orElse(null));
        return new AuditReport(workflowId, runId, workflowType, status, started, closed, startedBy, memo, input, steps,
                completed, result, failure, runs, earlierRunsNotRead);
    }

    public void printJson(PrintStream out) throws IOException {
        out.println(OUTPUT.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /** Markdown, readable as it is in a terminal. */
    public void printMarkdown(PrintStream out) {
        new MarkdownReport(this, out).print();
    }
}
