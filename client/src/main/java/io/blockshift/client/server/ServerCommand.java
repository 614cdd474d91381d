package io.blockshift.client.server;

import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.worker.DevServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code blockshift server}: a Temporal dev server for a one-machine install, until Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
        header = "Run a local Temporal server (the Temporal CLI's dev server) for a one-machine install.",
        description = {
            "Runs 'temporal server start-dev' with its state in a SQLite file, so migrations survive a restart"
                    + " of the server, and its web UI on --port + 1000. Stops on Ctrl-C or SIGTERM.",
            "It runs with blockshift's dev-server settings (a faster task dispatch, eager activities, SQLite in"
                    + " write-ahead-log mode with synchronous=NORMAL: a power cut may lose the last commits, never"
                    + " the file); README, Benchmarks, says why each.",
            "When one machine is outgrown, point workers and commands at a Temporal cluster or Temporal Cloud"
                    + " with --temporal HOST:PORT instead."},
        footer = {"", "Example:", "  blockshift server &", "  blockshift worker --storage-root /srv/fast"})
public final class ServerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "7233", description = "gRPC port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--db", paramLabel = "FILE", description = "SQLite file for the server's state"
            + " (default: $XDG_DATA_HOME/blockshift/temporal.db, else ~/.local/share/blockshift/temporal.db).")
    Path database = defaultDatabase(System.getenv());

    @Option(names = "--headless", description = "No web UI.")
    boolean headless;

    /**
     * Where the server keeps its state unless told: under the XDG data directory, and {@code HOME}
     * read from the environment (Java's user.home is the account's home, which {@code HOME=...}
     * does not change).
     */
    static Path defaultDatabase(Map<String, String> environment) {
        String dataHome = environment.get("XDG_DATA_HOME");
        String home = environment.get("HOME");
        Path data = dataHome != null && dataHome.startsWith("/") ? Path.of(dataHome)
                : Path.of(home != null && home.startsWith("/") ? home : System.getProperty("user.home"), ".local", "share");
        return data.resolve("blockshift").resolve("temporal.db");
    }

    @Override
    public Integer call() throws Exception {
        Optional<Path> binary = DevServer.findBinary();
        if (binary.isEmpty()) {
            System.err.println("the Temporal CLI is not installed; install it with:"
                    + " go install github.com/temporalio/cli/cmd/temporal@v1.5.1");
            return ExitCodes.UNREACHABLE;
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (Interrupts.Registration ignored = Interrupts.onInterrupt(stop::countDown);
                DevServer server = DevServer.start(binary.get(), port, database.toAbsolutePath(), !headless)) {
            System.err.println("Temporal dev server at " + server.target() + (headless ? ""
                    : ", web UI at http://127.0.0.1:" + (port + 1000)) + "; state in " + database
                    + "; its log in " + server.log() + ". Ctrl-C stops it.");
            stop.await();
            System.err.println("stopping the Temporal dev server");
        }
        return ExitCodes.OK;
    }
}
