package io.blockshift.client.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blockshift.client.ExitCodes;
import io.blockshift.workflows.Memo;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowExecutionMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code blockshift list}: recent and running migrations and fleets, filtered. */
@Command(name = "list", mixinStandardHelpOptions = true,
        header = "List recent and running migrations and fleets.",
        description = {"Lists MigrateDisk and MigrateFleet workflows, newest first: ID, type, status, start time, the"
                + " domain and disk, and who asked for it.",
            "The filters are Temporal visibility queries on the search attributes workers register (BlockshiftDomain,"
                + " BlockshiftDisk, BlockshiftHost, BlockshiftTarget, BlockshiftOutcome, ...); migrations started before"
                + " workers set them have none, so a filter on them leaves those out, and the unfiltered list shows"
                + " them all. --query adds any visibility query of your own."},
        footer = {"", "Examples:", "  blockshift list --running", "  blockshift list --domain web-1 --outcome failed",
            "  blockshift list --query \"StartTime > '2026-01-01T00:00:00Z'\""})
public final class ListCommand implements Callable<Integer> {

    // The names of SearchAttributes' keys (ListCommandTest holds them equal), as constants the options' help can name.
    static final String DOMAIN = "BlockshiftDomain";
    static final String DISK = "BlockshiftDisk";
    static final String HOST = "BlockshiftHost";
    static final String TARGET = "BlockshiftTarget";
    static final String OUTCOME = "BlockshiftOutcome";

    @Option(names = "--running", description = "Only the running ones.")
    boolean running;

    @Option(names = "--fleets", description = "Only fleets (MigrateFleet), not single disks.")
    boolean fleets;

    @Option(names = "--domain", paramLabel = "NAME", description = "Only migrations of this VM (search attribute " + DOMAIN + ").")
    String domain;

    @Option(names = "--disk", paramLabel = "DEV", description = "Only migrations of this disk (" + DISK + ", such as vda).")
    String disk;

    @Option(names = "--host", paramLabel = "NAME", description = "Only migrations on this host (" + HOST + ").")
    String host;

    @Option(names = "--target", paramLabel = "PATH", description = "Only migrations to this new image (" + TARGET + ").")
    String target;

    @Option(names = "--outcome", paramLabel = "OUTCOME",
            description = "Only migrations that ended so (" + OUTCOME + ", as the workers write it: such as done, failed).")
    String outcome;

    @Option(names = "--query", paramLabel = "QUERY",
            description = "A Temporal visibility query of your own, added with AND, such as \"ExecutionStatus = 'Failed'\".")
    String query;

    @Option(names = "--limit", defaultValue = "20", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "JSON on stdout.")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String visibilityQuery = visibilityQuery();
        return temporal.withClient(client -> {
            List<WorkflowExecutionMetadata> executions;
            try {
                executions = client.client().listExecutions(visibilityQuery).limit(limit).toList();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
                    throw e;
                }
                System.err.println("the server refused the query " + visibilityQuery + ": " + e.getStatus().getDescription()
                        + (e.getStatus().getDescription() != null && e.getStatus().getDescription().contains("Blockshift")
                                ? " (a blockshift worker of this version registers the Blockshift* search attributes"
                                        + " when it starts)" : ""));
                return ExitCodes.USAGE;
            }
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ArrayNode rows = mapper.createArrayNode();
                for (WorkflowExecutionMetadata e : executions) {
                    ObjectNode row = rows.addObject();
                    row.put("workflowId", e.getExecution().getWorkflowId());
                    row.put("runId", e.getExecution().getRunId());
                    row.put("type", e.getWorkflowType());
                    row.put("status", status(e));
                    row.put("started", String.valueOf(e.getStartTime()));
                    row.put("closed", e.getCloseTime() == null ? null : String.valueOf(e.getCloseTime()));
                    row.put("domain", keyword(e, DOMAIN));
                    row.put("disk", keyword(e, DISK));
                    row.put("host", keyword(e, HOST));
                    row.put("outcome", keyword(e, OUTCOME));
                    row.put(Memo.REQUESTED_BY, requestedBy(e));
                    row.put("fleet", parent(e));
                }
                System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
            } else {
                int idWidth = executions.stream().mapToInt(e -> e.getExecution().getWorkflowId().length()).max().orElse(0);
                String format = "%-" + Math.max(8, idWidth) + "s %-12s %-11s %-27s %-20s %s%n";
                System.out.printf(format, "WORKFLOW", "TYPE", "STATUS", "STARTED", "DOMAIN/DISK", "REQUESTED BY");
                for (WorkflowExecutionMetadata e : executions) {
                    String what = keyword(e, DOMAIN) == null ? "" : keyword(e, DOMAIN) + "/" + orEmpty(keyword(e, DISK));
                    System.out.printf(format, e.getExecution().getWorkflowId(), e.getWorkflowType(), status(e),
                            e.getStartTime(), what, requestedByColumn(e));
                }
            }
            return ExitCodes.OK;
        });
    }

    /** The visibility query the options ask for. */
    String visibilityQuery() {
        List<String> terms = new ArrayList<>();
        String fleet = "WorkflowType = '" + MigrateFleetWorkflow.TYPE + "'";
        terms.add(fleets ? fleet : "(WorkflowType = '" + MigrateDiskWorkflow.TYPE + "' OR " + fleet + ")");
        if (running) {
            terms.add("ExecutionStatus = 'Running'");
        }
        equal(terms, DOMAIN, "--domain", domain);
        equal(terms, DISK, "--disk", disk);
        equal(terms, HOST, "--host", host);
        equal(terms, TARGET, "--target", target);
        equal(terms, OUTCOME, "--outcome", outcome);
        if (query != null && !query.isBlank()) {
            terms.add("(" + query + ")");
        }
        return String.join(" AND ", terms);
    }

    private void equal(List<String> terms, String attribute, String option, String value) {
        if (value == null) {
            return;
        }
        // Temporal's query language has no escape that every server version reads alike: refuse rather than guess.
        if (value.contains("'") || value.contains("\"") || value.contains("\\")) {
            throw new ParameterException(spec.commandLine(), option + " '" + value + "' holds a quote or a backslash;"
                    + " write the condition yourself with --query");
        }
        terms.add(attribute + " = '" + value + "'");
    }

    private static String status(WorkflowExecutionMetadata e) {
        return e.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
    }

    /** A Keyword search attribute, or null when the workflow has none (started before workers set it). */
    private static String keyword(WorkflowExecutionMetadata e, String name) {
        try {
            List<?> values = e.getSearchAttributes().get(name);
            return values == null || values.isEmpty() ? null : String.valueOf(values.get(0));
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Who asked, from the memo, or null. */
    private static String requestedBy(WorkflowExecutionMetadata e) {
        try {
            Object who = e.getMemo(Memo.REQUESTED_BY, String.class);
            return who == null ? null : who.toString();
        } catch (RuntimeException notAString) {
            return null;
        }
    }

    /** Who asked, for the table: a fleet's disk has no memo of its own and names its fleet. */
    private static String requestedByColumn(WorkflowExecutionMetadata e) {
        String who = requestedBy(e);
        if (who != null) {
            return who;
        }
        return parent(e) == null ? "" : "(fleet " + parent(e) + ")";
    }

    /** The workflow that started this one (a fleet, for its disks), or null. */
    private static String parent(WorkflowExecutionMetadata e) {
        String id = e.getParentExecution() == null ? "" : e.getParentExecution().getWorkflowId();
        return id.isEmpty() ? null : id;
    }
}
