package io.blockshift.worker;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;

/**
 * A production-shaped Temporal of the test's own: a PostgreSQL 15 instance (initdb in a scratch
 * directory, on a free port, run as the postgres user), its persistence and visibility schemas set
 * up by the server's {@code temporal-sql-tool}, and the Temporal server built from its Go module
 * running as four processes (frontend, history, matching, worker) from the repository's
 * {@code temporal-cluster.yaml}. Each process, PostgreSQL included, can be killed and started again.
 */
public final class TestTemporalCluster implements AutoCloseable {

    /** Where the test command installs the server's binaries ({@code server}, {@code sql}): see run-tests. */
    public static final Path BINARIES = Path.of(System.getenv().getOrDefault("BLOCKSHIFT_TEMPORAL_SERVER_DIR",
            "/var/cache/blockshift/temporal-server-v1.29.1"));
    private static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
    /** The Temporal services, each its own process. */
    public static final List<String> SERVICES = List.of("history", "matching", "frontend", "worker");

    private final Path dir;
    private final int postgresPort;
    private final String frontend;
    private final Map<String, Process> services = new LinkedHashMap<>();
    private Process postgres;
    private WorkflowClient client;

    private TestTemporalCluster(Path dir, int postgresPort, String frontend) {
        this.dir = dir;
        this.postgresPort = postgresPort;
        this.frontend = frontend;
    }

    /** Whether this machine has what a cluster needs (the test command installs it). */
    public static boolean available() {
        return Files.isExecutable(BINARIES.resolve("server")) && Files.isExecutable(BINARIES.resolve("sql"))
                && Files.isExecutable(PG_BIN.resolve("postgres"));
    }

    /** Starts PostgreSQL, sets up the schemas, starts the four services and registers namespace {@code default}. */
    public static TestTemporalCluster start() throws Exception {
        Path dir = Files.createDirectory(Path.of("/var/tmp", TestVm.PREFIX + "cluster-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Map<String, String> values = new LinkedHashMap<>();
        int postgresPort = freePort();
        values.put("POSTGRES_PORT", String.valueOf(postgresPort));
        values.put("DATABASE", "temporal");
        values.put("VISIBILITY_DATABASE", "temporal_visibility");
        for (String port : List.of("FRONTEND", "FRONTEND_MEMBERSHIP", "FRONTEND_HTTP", "MATCHING", "MATCHING_MEMBERSHIP",
                "HISTORY", "HISTORY_MEMBERSHIP", "WORKER", "WORKER_MEMBERSHIP")) {
            values.put(port + "_PORT", String.valueOf(port.endsWith("MEMBERSHIP") ? freeSmallPort() : freePort()));
        }
        values.put("DYNAMIC_CONFIG", dir.resolve("dynamicconfig.yaml").toString());
        TestTemporalCluster cluster = new TestTemporalCluster(dir, postgresPort, "127.0.0.1:" + values.get("FRONTEND_PORT"));
        try {
            cluster.writeConfig(values);
            run(asPostgres(PG_BIN.resolve("initdb").toString(), "-D",
                    dir.resolve("pg").toString(), "-U", "temporal", "--auth=trust", "-E", "UTF8"), dir.resolve("initdb.log"));
            cluster.startPostgres();
            cluster.setUpSchemas();
            // History first, alone: the services that start while none has written the cluster's
            // metadata all try to, and all but one exit ("failed to initialize current cluster metadata").
            cluster.startService("history");
            cluster.awaitListening("history", Integer.parseInt(values.get("HISTORY_PORT")));
            for (String service : SERVICES.subList(1, SERVICES.size())) {
                cluster.startService(service);
            }
            cluster.client = TemporalConnection.connect(cluster.frontend, TemporalConnection.DEFAULT_NAMESPACE);
            cluster.registerDefaultNamespace();
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    public String target() {
        return frontend;
    }

    public WorkflowClient client() {
        return client;
    }

    /** kill -9 of one service. */
    public void kill(String service) throws InterruptedException {
        Process process = services.remove(service);
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts a service killed before. */
    public void restart(String service) throws IOException {
        startService(service);
    }

    /** Stops PostgreSQL (fast shutdown: open transactions abort), then starts it again on the same data. */
    public void restartPostgres(Duration down) throws Exception {
        postgres.destroy();
        if (!postgres.waitFor(30, TimeUnit.SECONDS)) {
            postgres.destroyForcibly().waitFor();
        }
        Thread.sleep(down.toMillis());
        startPostgres();
    }

    private void writeConfig(Map<String, String> values) throws IOException {
        String config;
        try (var in = TestTemporalCluster.class.getResourceAsStream("temporal-cluster.yaml")) {
            config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> value : values.entrySet()) {
            config = config.replace("@" + value.getKey() + "@", value.getValue());
        }
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config").resolve("cluster.yaml"), config);
        // What the CLI's dev server also sets: search attributes the worker adds are visible at once.
        Files.writeString(dir.resolve("dynamicconfig.yaml"),
                "system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n");
    }

    private void startPostgres() throws Exception {
        postgres = new ProcessBuilder(asPostgres(PG_BIN.resolve("postgres").toString(),
                "-D", dir.resolve("pg").toString(), "-p", String.valueOf(postgresPort), "-k", dir.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (new ProcessBuilder(List.of(PG_BIN.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(postgresPort))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor() != 0) {
            if (!postgres.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("PostgreSQL did not start: " + Files.readString(dir.resolve("postgres.log")));
            }
            Thread.sleep(200);
        }
    }

    private void setUpSchemas() throws Exception {
        for (String[] database : new String[][] {{"temporal", "postgresql/v12/temporal"},
                {"temporal_visibility", "postgresql/v12/visibility"}}) {
            List<String> tool = List.of(BINARIES.resolve("sql").toString(), "--plugin", "postgres12", "--ep", "127.0.0.1",
                    "-p", String.valueOf(postgresPort), "-u", "temporal", "--db", database[0]);
            Path log = dir.resolve("schema.log");
            run(concat(tool, "create-database"), log);
            run(concat(tool, "setup-schema", "-v", "0.0"), log);
            run(concat(tool, "update-schema", "--schema-name", database[1]), log);
        }
    }

    private void startService(String service) throws IOException {
        Process process = new ProcessBuilder(List.of(BINARIES.resolve("server").toString(), "--root", dir.toString(),
                "--config", "config", "--env", "cluster", "--allow-no-auth", "start", "--service", service))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(service + ".log").toFile()))
                .start();
        services.put(service, process);
    }

    private void awaitListening(String service, int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!services.get(service).isAlive()) {
                    throw new IOException(service + " exited: " + Files.readString(dir.resolve(service + ".log")));
                }
                failIfPast(deadline, service + " did not listen on " + port);
                Thread.sleep(100);
            }
        }
    }

    private void registerDefaultNamespace() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!TemporalConnection.answers(frontend, Duration.ofSeconds(1))) {
            failIfPast(deadline, "the frontend did not answer");
            Thread.sleep(250);
        }
        var stub = client.getWorkflowServiceStubs().blockingStub();
        while (true) {
            try {
                stub.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(TemporalConnection.DEFAULT_NAMESPACE)
                        .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
                break;
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() == io.grpc.Status.Code.ALREADY_EXISTS) {
                    break;
                }
                failIfPast(deadline, "namespace default could not be registered: " + e.getStatus());
                Thread.sleep(500);
            }
        }
        // The frontend's namespace cache learns of it on its next refresh.
        while (true) {
            try {
                stub.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(TemporalConnection.DEFAULT_NAMESPACE).build());
                client.listExecutions("WorkflowType = 'none'").findAny();
                return;
            } catch (RuntimeException notYet) {
                failIfPast(deadline, "namespace default did not become usable: " + notYet);
                Thread.sleep(500);
            }
        }
    }

    private void failIfPast(long deadline, String what) throws IOException {
        if (System.nanoTime() > deadline) {
            StringBuilder logs = new StringBuilder(what);
            for (String service : SERVICES) {
                Path log = dir.resolve(service + ".log");
                if (Files.exists(log)) {
                    String text = Files.readString(log);
                    logs.append("\n--- ").append(service).append(" ---\n").append(text.substring(Math.max(0, text.length() - 3000)));
                }
            }
            throw new IOException(logs.toString());
        }
    }

    /** {@code command} run as the postgres user, by exec (setpriv): a signal to the process reaches PostgreSQL itself. */
    private static List<String> asPostgres(String... command) {
        return concat(List.of("setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups", "--"), command);
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static void run(List<String> command, Path log) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }

    /**
     * A free port below 32768: the server keeps membership ports in a PostgreSQL smallint, and the
     * kernel's ephemeral ports (what port 0 gives) lie above it.
     */
    static int freeSmallPort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int tries = 0; tries < 1000; tries++) {
            int port = 20000 + random.nextInt(12000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public Optional<Path> log(String service) {
        return Optional.of(dir.resolve(service + ".log")).filter(Files::exists);
    }

    @Override
    public void close() throws Exception {
        try {
            if (client != null) {
                client.getWorkflowServiceStubs().shutdownNow();
            }
            for (Process process : services.values()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            if (postgres != null) {
                postgres.destroy();
                if (!postgres.waitFor(30, TimeUnit.SECONDS)) {
                    postgres.destroyForcibly().waitFor();
                }
            }
        } finally {
            PathUtils.deleteDirectory(dir);
        }
    }
}
