package io.blockshift.worker;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Temporal CLI dev server ({@code temporal server start-dev}) run as a child process, its state
 * in a SQLite file so workflows survive a restart of it.
 */
public final class DevServer implements AutoCloseable {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Process process;
    private final String target;
    private final Path log;

    private DevServer(Process process, String target, Path log) {
        this.process = process;
        this.target = target;
        this.log = log;
    }

    /** The {@code temporal} binary: on PATH, or where {@code go install} puts it. */
    public static Optional<Path> findBinary() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "temporal"));
            }
        }
        String gopath = System.getenv("GOPATH");
        if (gopath != null) {
            candidates.add(Path.of(gopath, "bin", "temporal"));
        }
        candidates.add(Path.of(System.getProperty("user.home"), "go", "bin", "temporal"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts a dev server on {@code port} (0 for any free port) with its database in {@code database}
     * and waits until it answers.
     */
    public static DevServer start(Path binary, int port, Path database, boolean ui) throws IOException, InterruptedException {
        // Its ports are found free here and bound by the server a moment later: another process
        // can take one in between, and the server then exits at once. With ports of its own
        // choosing it tries again with new ones.
        int attempts = port == 0 ? 3 : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(binary, port, database, ui);
            } catch (ExitedAtStart exited) {
                if (attempt == attempts) {
                    throw new IOException(exited.getMessage());
                }
            }
        }
    }

    private static DevServer startOnce(Path binary, int port, Path database, boolean ui)
            throws IOException, InterruptedException {
        int grpcPort = port == 0 ? freePort() : port;
        Files.createDirectories(database.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>();
        // A session of its own: Ctrl-C in the operator's terminal reaches blockshift alone, which keeps
        // the server up until a canceled migration has rolled back.
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.addAll(List.of(binary.toString(), "server", "start-dev",
                "--ip", "127.0.0.1", "--port", String.valueOf(grpcPort),
                "--db-filename", database.toString(), "--log-level", "warn"));
        if (ui) {
            command.addAll(List.of("--ui-port", String.valueOf(grpcPort + 1000)));
        } else {
            command.add("--headless");
        }
        command.addAll(List.of("--http-port", String.valueOf(freePort()), "--metrics-port", String.valueOf(freePort())));
        command.addAll(DevServerSettings.arguments());
        Path log = database.resolveSibling(database.getFileName() + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        String target = "127.0.0.1:" + grpcPort;
        DevServer server = new DevServer(process, target, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!TemporalConnection.answers(target, Duration.ofSeconds(1))) {
            if (!process.isAlive()) {
                throw new ExitedAtStart("the Temporal dev server exited as it started (" + log + "): " + tail(log));
            }
            if (System.nanoTime() > deadline) {
                server.close();
                throw new IOException("the Temporal dev server did not answer within 60 s; see " + log + ": " + tail(log));
            }
            Thread.sleep(200);
        }
        return server;
    }

    /** The last lines of the server's log, for an error that must say why without the file. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException | RuntimeException unreadable) {
            return "(its log cannot be read: " + unreadable.getMessage() + ")";
        }
    }

    /** The server process ended before it answered. */
    private static final class ExitedAtStart extends IOException {
        ExitedAtStart(String message) {
            super(message);
        }
    }

    public String target() {
        return target;
    }

    public Path log() {
        return log;
    }

    /** Kills the server at once (kill -9): what a crash looks like. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
