package io.blockshift.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.client.WorkflowExecutionMetadata;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code blockshift list}: recent and running migrations. */
@Command(name = "list", mixinStandardHelpOptions = true,
        header = "List recent and running migrations.",
        description = "Lists MigrateDisk and MigrateFleet workflows, newest first: ID, type, status, start and close"
                + " time, and who asked for it.",
        footer = {"", "Example:", "  blockshift list --running"})
final class ListCommand implements Callable<Integer> {

    @Option(names = "--running", description = "Only the running ones.")
    boolean running;

    @Option(names = "--limit", defaultValue = "20", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "JSON on stdout.")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    @Override
    public Integer call() throws Exception {
        Optional<TemporalClient> server = temporal.connectOrExplain();
        if (server.isEmpty()) {
            return ExitCodes.UNREACHABLE;
        }
        String query = "(WorkflowType = 'MigrateDisk' OR WorkflowType = 'MigrateFleet')"
                + (running ? " AND ExecutionStatus = 'Running'" : "");
        try (TemporalClient client = server.get()) {
            List<WorkflowExecutionMetadata> executions = client.client().listExecutions(query).limit(limit).toList();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ArrayNode rows = mapper.createArrayNode();
                for (WorkflowExecutionMetadata e : executions) {
                    ObjectNode row = rows.addObject();
                    row.put("workflowId", e.getExecution().getWorkflowId());
                    row.put("type", e.getWorkflowType());
                    row.put("status", status(e));
                    row.put("started", String.valueOf(e.getStartTime()));
                    row.put("closed", e.getCloseTime() == null ? null : String.valueOf(e.getCloseTime()));
                    row.put("requestedBy", requestedBy(e));
                }
                System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
            } else {
                System.out.printf("%-44s %-12s %-11s %-24s %s%n", "WORKFLOW", "TYPE", "STATUS", "STARTED", "REQUESTED BY");
                for (WorkflowExecutionMetadata e : executions) {
                    System.out.printf("%-44s %-12s %-11s %-24s %s%n", e.getExecution().getWorkflowId(), e.getWorkflowType(),
                            status(e), e.getStartTime(), requestedBy(e));
                }
            }
            return ExitCodes.OK;
        }
    }

    private static String status(WorkflowExecutionMetadata e) {
        return e.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase();
    }

    private static String requestedBy(WorkflowExecutionMetadata e) {
        try {
            Object who = e.getMemo("requestedBy", String.class);
            return who == null ? "" : who.toString();
        } catch (RuntimeException notAString) {
            return "";
        }
    }
}
