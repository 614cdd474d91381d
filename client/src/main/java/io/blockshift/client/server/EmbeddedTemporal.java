package io.blockshift.client.server;

import ch.qos.logback.classic.Level;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.client.TemporalClient;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A Temporal server and a blockshift worker inside this process, for as long as one command runs:
 * what {@code migrate} uses when no server answers, and what {@code demo} always uses. It prefers
 * the Temporal CLI's dev server, whose SQLite state survives this process (a migration interrupted
 * by a crash resumes the next time one runs), and otherwise falls back to the SDK's in-memory test
 * server.
 */
public final class EmbeddedTemporal implements AutoCloseable {


    /** Where the embedded dev server keeps its state. */
    static final Path STATE_DIR = Path.of(System.getProperty("user.home"), ".local", "share", "blockshift");
    static final Path DATABASE = STATE_DIR.resolve("embedded.db");
    /** Held while a dev server runs on {@link #DATABASE}: two servers on one SQLite file would each claim its history. */
    static final Path DATABASE_LOCK = STATE_DIR.resolve("embedded.db.lock");

    private final WorkflowClient client;
    private final AutoCloseable server;
    private final BlockshiftWorker worker;
    private final String ifAbandoned;
    /** Stops the server should the JVM exit without {@link #close()}: the dev server is not our child in the terminal's eyes. */
    private final Thread stopOnExit;

    private EmbeddedTemporal(WorkflowClient client, AutoCloseable server, BlockshiftWorker worker, String ifAbandoned) {
        this.client = client;
        this.server = server;
        this.worker = worker;
        this.ifAbandoned = ifAbandoned;
        this.stopOnExit = new Thread(() -> closeQuietly(server), "stop-embedded-temporal");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /**
     * Starts a server and a worker on {@code taskQueue} that may write under {@code roots}, telling
     * {@code notes} which server it is.
     */
    public static EmbeddedTemporal start(String taskQueue, StorageRoots roots, PrintStream notes) throws IOException, InterruptedException {
        quietWorkerOutput();
        Optional<Path> binary = DevServer.findBinary();
        WorkflowClient client;
        AutoCloseable server;
        String ifAbandoned;
        if (binary.isPresent()) {
            FileLock lock = lockDatabase(DATABASE_LOCK);
            DevServer devServer;
            try {
                devServer = DevServer.start(binary.get(), 0, DATABASE, false);
            } catch (IOException | RuntimeException e) {
                lock.channel().close();
                throw e;
            }
            TemporalClient connection = TemporalClient.connect(devServer.target(), TemporalConnection.DEFAULT_NAMESPACE);
            client = connection.client();
            server = () -> {
                connection.close();
                devServer.close();
                lock.channel().close();
            };
            notes.println("embedded Temporal dev server (" + binary.get() + ") at " + devServer.target()
                    + "; its state is kept in " + DATABASE);
            ifAbandoned = "the workflow stops with this process and goes on the next time blockshift runs an embedded"
                    + " server (its state is in " + DATABASE + ")";
        } else {
            TestWorkflowEnvironment environment = TestWorkflowEnvironment.newInstance(
                    TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
            server = environment::close;
            client = environment.getWorkflowClient();
            notes.println("embedded in-memory Temporal test server (no 'temporal' CLI found): its state will not"
                    + " survive this process, so let a migration finish or roll back before it ends");
            ifAbandoned = "the workflow dies with this process (the in-memory server keeps no state), which may leave"
                    + " the disk's chain to repair by hand: see virsh domblklist DOMAIN --details";
        }
        try {
            return new EmbeddedTemporal(client, server, BlockshiftWorker.start(client, taskQueue, roots), ifAbandoned);
        } catch (RuntimeException e) {
            closeQuietly(server);
            throw e;
        }
    }

    /**
     * Locks {@code lockFile} (made if missing, never truncated) for this process, or fails saying that
     * another blockshift command runs an embedded server and what to do instead.
     */
    static FileLock lockDatabase(Path lockFile) throws IOException {
        Files.createDirectories(lockFile.getParent());
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another blockshift command (a migrate or demo in another terminal) runs an embedded"
                    + " Temporal server on " + DATABASE + ", and two servers must not share its state: wait for it to"
                    + " end, or run 'blockshift server' and 'blockshift worker' once, and every migrate will use them");
        }
        return lock;
    }

    public WorkflowClient client() {
        return client;
    }

    /** What happens to a running workflow when this process ends. */
    public String ifAbandoned() {
        return ifAbandoned;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // The hook is running or will run.
        }
        try {
            worker.close();
        } finally {
            closeQuietly(server);
        }
    }

    /**
     * The embedded worker's failures reach the operator through the command's own report: the SDK's
     * warnings (with stack traces) and libvirt's default error printing would only bury it. The
     * environment variable BLOCKSHIFT_LOG_LEVEL brings them back.
     */
    private static void quietWorkerOutput() {
        if (System.getenv("BLOCKSHIFT_LOG_LEVEL") != null) {
            return;
        }
        if (LoggerFactory.getLogger("io.temporal") instanceof ch.qos.logback.classic.Logger temporal) {
            temporal.setLevel(Level.ERROR);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("stopping the embedded Temporal server: " + e.getMessage());
        }
    }
}
