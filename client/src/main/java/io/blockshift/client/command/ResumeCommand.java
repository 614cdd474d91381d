package io.blockshift.client.command;

import picocli.CommandLine.Command;

/** {@code blockshift resume FLEET_ID}: a paused fleet starts disks again. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        header = "Resume a paused fleet: disks start again within its limits.",
        description = {"Sends the fleet its 'resume' update and prints its progress. Refused (exit 3) when the workflow"
                + " is not a fleet, is not paused, or has ended."},
        footer = {"", "Example:", "  blockshift resume fleet-web-3f2a1c"})
public final class ResumeCommand extends FleetUpdateCommand {

    public ResumeCommand() {
        super("resume");
    }
}
