package io.blockshift.client.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code blockshift status WORKFLOW_ID}: follow a running migration's or fleet's progress to its end. */
@Command(name = "status", mixinStandardHelpOptions = true,
        header = "Follow a migration's or a fleet's progress (bar, bytes, ETA) until it ends.",
        description = {"Attaches to a MigrateDisk or MigrateFleet workflow started by 'migrate', 'fleet', the Temporal"
                + " CLI or anything else, shows its progress (a fleet: disks done, running, failed, canceled and"
                + " pending, bytes, ETA), and exits as 'migrate' or 'fleet' would have: the exit code says how it"
                + " ended. --once prints where it is now and exits 0 while it runs.",
            "Ctrl-C stops watching; the migration goes on. 'blockshift cancel' cancels it."},
        footer = {"", "Examples:", "  blockshift status migrate-vm1-vda-3f2a1c", "  blockshift status fleet-web-3f2a1c --once --json"})
public final class StatusCommand extends FollowCommand {

    @Option(names = "--once", description = "Print the progress now (the fleet's 'progress' or the migration's 'status'"
            + " query) instead of following it; exit 0 while it runs, else as it ended.")
    boolean once;

    @Option(names = "--json", description = "Print the outcome (with --once: the progress) as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return follow(false, json, once);
    }
}
