package io.blockshift.client.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.worker.TemporalConnection;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;

/** {@code blockshift server} in a JVM of its own, as an operator starts it, with a HOME the test chooses. */
class ServerCommandTest {

    @Test
    void serverKeepsItsStateUnderHomeAnswersOnItsPortAndStopsCleanlyOnSigterm() throws Exception {
        Path home = Files.createTempDirectory("bs-test-home-");
        Path log = home.resolve("blockshift-server.log");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String target = "127.0.0.1:" + port;
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                BlockshiftCli.class.getName(), "server", "--port", String.valueOf(port), "--headless")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("HOME", home.toString());
        builder.environment().remove("XDG_DATA_HOME");
        Process server = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // It answers, then says where its state is.
            while (!TemporalConnection.answers(target, Duration.ofSeconds(1)) || !read(log).contains("Ctrl-C stops it")) {
                assertTrue(server.isAlive(), () -> "the server ended early: " + read(log));
                assertTrue(System.nanoTime() < deadline, () -> "no answer on " + target + ": " + read(log));
                Thread.sleep(200);
            }
            Path database = home.resolve(".local/share/blockshift/temporal.db");
            assertTrue(Files.isRegularFile(database), "the SQLite file is under HOME: " + read(log));
            assertTrue(read(log).contains("state in " + database), read(log));

            server.destroy(); // SIGTERM, as Ctrl-C or a service manager would

            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops within 30 s");
            assertEquals(ExitCodes.OK, server.exitValue(), read(log));
            assertTrue(read(log).contains("stopping the Temporal dev server"), read(log));
            assertFalse(TemporalConnection.answers(target, Duration.ofSeconds(1)), "nothing answers on " + target);
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            PathUtils.deleteDirectory(home);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    @Test
    void serverKeepsItsStateUnderXdgDataHomeElseUnderHome() {
        assertEquals(Path.of("/data/blockshift/temporal.db"),
                ServerCommand.defaultDatabase(Map.of("XDG_DATA_HOME", "/data", "HOME", "/home/op")));
        assertEquals(Path.of("/home/op/.local/share/blockshift/temporal.db"),
                ServerCommand.defaultDatabase(Map.of("HOME", "/home/op")));
        assertEquals(Path.of("/home/op/.local/share/blockshift/temporal.db"),
                ServerCommand.defaultDatabase(Map.of("XDG_DATA_HOME", "relative", "HOME", "/home/op")),
                "a relative XDG_DATA_HOME is ignored, as the XDG spec says");
    }
}
