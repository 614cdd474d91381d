package io.blockshift.worker;

import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.io.file.PathUtils;

/**
 * A Temporal CLI dev server of the tests' own (SQLite in a scratch directory, any free port) and a
 * client connected to it; {@link #close()} stops both and removes the directory. Shared with the
 * client's tests through this module's test-jar.
 *
 * @param dir the scratch directory that holds the server's database
 */
public record TestTemporalServer(DevServer server, WorkflowClient client, Path dir) implements AutoCloseable {

    /** Starts a server whose database lives in a new temporary directory named {@code dirPrefix...}. */
    public static TestTemporalServer start(String dirPrefix) throws Exception {
        Path dir = Files.createTempDirectory(dirPrefix);
        DevServer server = null;
        try {
            Path binary = DevServer.findBinary().orElseThrow(() -> new IllegalStateException(
                    "the Temporal CLI is not installed: run the README's test command, which installs it"));
            server = DevServer.start(binary, 0, dir.resolve("temporal.db"), false);
            WorkflowClient client = TemporalConnection.connect(server.target(), TemporalConnection.DEFAULT_NAMESPACE);
            return new TestTemporalServer(server, client, dir);
        } catch (Exception e) {
            if (server != null) {
                server.close();
            }
            PathUtils.deleteDirectory(dir);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            client.getWorkflowServiceStubs().shutdownNow();
            server.close();
        } finally {
            PathUtils.deleteDirectory(dir);
        }
    }
}
