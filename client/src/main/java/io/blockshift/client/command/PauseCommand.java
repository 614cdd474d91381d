package io.blockshift.client.command;

import picocli.CommandLine.Command;

/** {@code blockshift pause FLEET_ID}: no more disks of a fleet start until {@code resume}. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        header = "Pause a fleet: the disks moving now go on, no more start until 'resume'.",
        description = {"Sends the fleet its 'pause' update and prints its progress. Refused (exit 3) when the workflow"
                + " is not a fleet, is already paused, or has ended."},
        footer = {"", "Example:", "  blockshift pause fleet-web-3f2a1c"})
public final class PauseCommand extends FleetUpdateCommand {

    public PauseCommand() {
        super("pause");
    }
}
