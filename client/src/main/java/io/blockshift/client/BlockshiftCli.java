package io.blockshift.client;

import io.blockshift.client.command.AuditCommand;
import io.blockshift.client.command.CancelCommand;
import io.blockshift.client.command.CdsTrainingCommand;
import io.blockshift.client.command.CloneCommand;
import io.blockshift.client.command.FleetCommand;
import io.blockshift.client.command.ListCommand;
import io.blockshift.client.command.MigrateCommand;
import io.blockshift.client.command.PauseCommand;
import io.blockshift.client.command.PlanCommand;
import io.blockshift.client.command.ResumeCommand;
import io.blockshift.client.command.StatusCommand;
import io.blockshift.client.command.WorkerCommand;
import io.blockshift.client.server.ServerCommand;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** The operator's command line: {@code blockshift COMMAND ...}. */
@Command(name = "blockshift",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = BlockshiftCli.Version.class,
        description = {
            "blockshift moves a disk of a running libvirt/QEMU VM to new storage with no guest downtime: an external"
                    + " snapshot, a copy of the now-still base image with the best cloner for the storage (reflink,"
                    + " sparse, plain), a shallow mirror and pivot onto the copy, an active commit, and cleanup.",
            "Each migration is a durable Temporal workflow: it survives a crash of the worker or the server, rolls"
                    + " every step back if it fails or is canceled before the guest runs on the new storage, and"
                    + " reports progress, an ETA, a checksum of the copy and the time of each step.",
            "",
            "New here? 'blockshift demo' migrates a throwaway VM's disk and checks every write made during it.",
            ""},
        subcommands = {MigrateCommand.class, PlanCommand.class, FleetCommand.class, StatusCommand.class, PauseCommand.class,
            ResumeCommand.class, CancelCommand.class, ListCommand.class, AuditCommand.class,
            WorkerCommand.class, ServerCommand.class, CloneCommand.class, DemoCommand.class,
            CdsTrainingCommand.class})
public final class BlockshiftCli {

    private BlockshiftCli() {
    }

    public static void main(String[] args) {
        Interrupts.install();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, exit status footer and error handling included. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BlockshiftCli());
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println(ExitCodes.outcome(ExitCodes.UNREACHABLE) + ": " + describe(e));
            if (System.getenv("BLOCKSHIFT_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return ExitCodes.UNREACHABLE;
        });
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println(e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr());
            cmd.getErr().print(cmd.getHelp().synopsis(0));
            cmd.getErr().println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for more.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        addExitCodes(commandLine.getCommandSpec(), "Run 'blockshift COMMAND --help' for a command's options.");
        commandLine.getSubcommands().values().forEach(sub -> addExitCodes(sub.getCommandSpec(), null));
        return commandLine;
    }

    /**
     * Sets the level of blockshift's own log lines (logback's BLOCKSHIFT_LOG_LEVEL) unless the
     * environment sets it; takes effect only before the first logger is made.
     */
    public static void logLevel(String level) {
        if (System.getenv("BLOCKSHIFT_LOG_LEVEL") == null) {
            System.setProperty("BLOCKSHIFT_LOG_LEVEL", level);
        }
    }

    private static void addExitCodes(CommandSpec spec, String lastLine) {
        List<String> footer = new ArrayList<>(Arrays.asList(spec.usageMessage().footer()));
        footer.addAll(Arrays.asList(ExitCodes.HELP_FOOTER));
        if (lastLine != null) {
            footer.add("");
            footer.add(lastLine);
        }
        spec.usageMessage().footer(footer.toArray(String[]::new));
    }

    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException status) {
                return "cannot reach Temporal: " + status.getStatus().getCode() + " "
                        + String.valueOf(status.getStatus().getDescription());
            }
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The version Maven built. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = BlockshiftCli.class.getResourceAsStream("/blockshift-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"blockshift " + properties.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
