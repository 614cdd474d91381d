package io.blockshift.client;

import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code blockshift status WORKFLOW_ID}: follow a running migration's progress to its end. */
@Command(name = "status", mixinStandardHelpOptions = true,
        header = "Follow a migration's progress (bar, bytes, ETA) until it ends.",
        description = {"Attaches to a MigrateDisk workflow started by 'migrate', the Temporal CLI or anything else,"
                + " shows its progress, and exits as 'migrate' would have: the exit code says how it ended.",
            "Ctrl-C stops watching; the migration goes on. 'blockshift cancel' cancels it."},
        footer = {"", "Example:", "  blockshift status migrate-vm1-vda-3f2a1c"})
final class StatusCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WORKFLOW_ID", description = "The migration's workflow ID.")
    String workflowId;

    @Option(names = "--json", description = "Print the outcome as JSON on stdout.")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    @Override
    public Integer call() throws Exception {
        return follow(temporal, workflowId, false, json);
    }

    /** Attaches to {@code workflowId}, canceling it first if asked, and reports how it ends. */
    static int follow(TemporalOptions temporal, String workflowId, boolean cancel, boolean json) throws Exception {
        Optional<TemporalClient> server = temporal.connectOrExplain();
        if (server.isEmpty()) {
            return ExitCodes.UNREACHABLE;
        }
        try (TemporalClient client = server.get()) {
            MigrationSession session = new MigrationSession(client.client(), temporal.taskQueue,
                    ProgressDisplay.onStderr(), temporal.workerCommand(), "the migration goes on on the server");
            MigrationSession.Outcome outcome;
            try {
                outcome = session.attach(workflowId, cancel);
            } catch (io.temporal.client.WorkflowNotFoundException e) {
                System.err.println("no workflow " + workflowId + " in namespace " + temporal.namespace + " at "
                        + temporal.address + "; 'blockshift list' shows the migrations there");
                return ExitCodes.REFUSED;
            }
            return MigrationSession.report(outcome, json, System.out, System.err);
        }
    }
}
