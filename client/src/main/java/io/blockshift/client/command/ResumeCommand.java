package io.blockshift.client.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code blockshift resume FLEET_ID}: a paused fleet starts disks again. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        header = "Resume a paused fleet: disks start again within its limits.",
        description = {"Sends the fleet its 'resume' update and prints its progress. Refused (exit 3) when the workflow"
                + " is not a fleet, is not paused, or has ended."},
        footer = {"", "Example:", "  blockshift resume fleet-web-3f2a1c"})
public final class ResumeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FLEET_ID", description = "The fleet's workflow ID.")
    String workflowId;

    @Option(names = "--json", description = "Print the fleet's progress after the resume as JSON on stdout.")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    @Override
    public Integer call() throws Exception {
        return PauseCommand.update(temporal, workflowId, "resume", json);
    }
}
