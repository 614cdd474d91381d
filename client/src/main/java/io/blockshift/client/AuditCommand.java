package io.blockshift.client;

import io.temporal.client.WorkflowNotFoundException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code blockshift audit WORKFLOW_ID}: a report an auditor can read, from the history alone. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Report what a migration did, from its Temporal history alone: who asked and why, when,"
                + " each step with its start, duration, attempts and result (paths, sizes, checksums, block job"
                + " figures), every compensation and failure, and how it ended. For a fleet, a table of its disks.",
            "Markdown by default (readable in a terminal); --json for scripts."},
        footer = {"", "Example:", "  blockshift audit migrate-vm1-vda-3f2a1c --markdown > vm1-vda.md"})
final class AuditCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WORKFLOW_ID", description = "The migration's workflow ID (migrate prints it first).")
    String workflowId;

    @Option(names = "--run-id", paramLabel = "RUN", description = "A run other than the latest.")
    String runId;

    @ArgGroup
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "JSON on stdout.")
        boolean json;

        @Option(names = "--markdown", description = "Markdown on stdout (the default).")
        boolean markdown;
    }

    @Mixin
    TemporalOptions temporal;

    @Override
    public Integer call() throws Exception {
        Optional<TemporalClient> server = temporal.connectOrExplain();
        if (server.isEmpty()) {
            return ExitCodes.UNREACHABLE;
        }
        try (TemporalClient client = server.get()) {
            AuditReport report;
            try {
                report = AuditReport.of(runId == null
                        ? client.client().fetchHistory(workflowId)
                        : client.client().fetchHistory(workflowId, runId));
            } catch (WorkflowNotFoundException | io.grpc.StatusRuntimeException e) {
                System.err.println("no workflow " + workflowId + (runId == null ? "" : " run " + runId) + " in namespace "
                        + temporal.namespace + " at " + temporal.address + ": " + e.getMessage());
                return ExitCodes.NOT_FOUND;
            }
            if (format.json) {
                report.printJson(System.out);
            } else {
                report.printMarkdown(System.out);
            }
            return ExitCodes.OK;
        }
    }
}
