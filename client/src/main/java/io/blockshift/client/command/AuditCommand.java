package io.blockshift.client.command;

import io.blockshift.client.ExitCodes;
import io.blockshift.client.audit.AuditReport;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowNotFoundException;
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
                + " figures), every compensation and failure, and how it ended. For a fleet, every run it continued"
                + " as new through and a table of its disks: each one's workflow, target, the run that started it,"
                + " how it ended and where that is recorded, and its checksum when the fleet's history holds it.",
            "Markdown by default (readable in a terminal); --json for scripts."},
        footer = {"", "Examples:", "  blockshift audit migrate-vm1-vda-3f2a1c --markdown > vm1-vda.md",
            "  blockshift audit fleet-web-3f2a1c --disks --json > web.json"})
public final class AuditCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WORKFLOW_ID", description = "The migration's workflow ID (migrate prints it first).")
    String workflowId;

    @Option(names = "--run-id", paramLabel = "RUN", description = "A run other than the latest: the report covers it"
            + " and the runs it continued from.")
    String runId;

    @Option(names = "--disks", description = "For a fleet: also read each disk's own history (one request per disk"
            + " the fleet's history has no result for) for its checksum, and its end if the fleet never heard of it.")
    boolean disks;

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
        return temporal.withClient(client -> {
            AuditReport report;
            try {
                report = AuditReport.read(client.client(), workflowId, runId);
            } catch (WorkflowNotFoundException | StatusRuntimeException e) {
                return temporal.readFailed(runId == null ? workflowId : workflowId + " run " + runId, e);
            }
            if (disks) {
                report = report.withDisksFromTheirHistories(client.client());
            }
            if (format.json) {
                report.printJson(System.out);
            } else {
                report.printMarkdown(System.out);
            }
            return ExitCodes.OK;
        });
    }
}
