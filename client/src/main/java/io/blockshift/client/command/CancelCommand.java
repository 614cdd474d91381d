package io.blockshift.client.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code blockshift cancel WORKFLOW_ID}: cancel a migration or a fleet and follow its rollback. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        header = "Cancel a migration or a fleet: it rolls back, or finishes if past the point of no return.",
        description = {"Asks the workflow to cancel and follows it to its end. Before the guest moved onto the new"
                + " storage, the migration rolls back: the VM runs on its old disk alone and nothing new is left."
                + " After that, it finishes the migration (it cannot safely go back), and exits 0.",
            "A fleet cancels its running disks (each rolls back, or finishes, as above), starts no more, and exits 5;"
                + " the disks already moved stay on their new storage."},
        footer = {"", "Examples:", "  blockshift cancel migrate-vm1-vda-3f2a1c", "  blockshift cancel fleet-web-3f2a1c"})
public final class CancelCommand extends FollowCommand {

    @Option(names = "--json", description = "Print the outcome as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return follow(true, json, false);
    }
}
