package io.blockshift.worker;

import io.blockshift.activities.files.StorageRoots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A blockshift worker in a JVM of its own, with the real activities, that a test can kill -9: its
 * {@link #main} is the worker, an instance is the test's handle on one such process (or on a worker
 * of another build, started by {@link #run}). A {@link #main} process also ends when its stdin
 * closes, so it never outlives the test JVM; another build's worker ends at {@link #close()}.
 */
final class WorkerProcess implements AutoCloseable {

    /** How long a SIGTERM lets the quick steps in flight finish. */
    static final java.time.Duration DRAIN = java.time.Duration.ofSeconds(10);

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code WorkerProcess temporalTarget taskQueue storageRoot}: polls until killed. */
    public static void main(String[] args) throws Exception {
        Thread orphaned = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test JVM holds the other end
                }
            } catch (IOException e) {
                // the same: the test JVM is gone
            }
            Runtime.getRuntime().halt(3);
        }, "stdin-watch");
        orphaned.setDaemon(true);
        orphaned.start();
        // The third argument: storage roots, comma-separated. Any further ones NAME=URI: also serve
        // agentless host NAME at libvirt URI.
        Map<String, String> agentless = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            agentless.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
        }
        List<Path> roots = Arrays.stream(args[2].split(",")).map(Path::of).toList();
        BlockshiftWorker worker = BlockshiftWorker.start(
                TemporalConnection.connect(args[0], TemporalConnection.DEFAULT_NAMESPACE), args[1], null,
                new StorageRoots(roots), null, agentless);
        // SIGTERM drains, as `blockshift worker` does on its own signal handler.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                worker.drain(DRAIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "drain"));
        worker.awaitTermination();
    }

    /** Starts a worker JVM on this JVM's class path, its output in a {@code bs-test-} log file. */
    static WorkerProcess start(String temporalTarget, String taskQueue, Path storageRoot) throws IOException {
        return run(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                WorkerProcess.class.getName(), temporalTarget, taskQueue, storageRoot.toString()));
    }

    /**
     * Starts a worker JVM as {@link #start} does, behind {@code launcher} (a command that runs the
     * rest of its arguments, such as {@code nsenter -t PID -m}), also serving agentless host
     * {@code host} at libvirt {@code uri}.
     */
    static WorkerProcess startAgentless(List<String> launcher, String temporalTarget, String taskQueue, Path storageRoot,
            String host, String uri) throws IOException {
        return startAgentless(launcher, temporalTarget, taskQueue, List.of(storageRoot), Map.of(host, uri));
    }

    /** A worker serving each of {@code hosts} (name to libvirt URI) agentless, run through {@code launcher}. */
    static WorkerProcess startAgentless(List<String> launcher, String temporalTarget, String taskQueue,
            List<Path> storageRoots, Map<String, String> hosts) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), WorkerProcess.class.getName(), temporalTarget, taskQueue,
                String.join(",", storageRoots.stream().map(Path::toString).toList())));
        hosts.forEach((name, uri) -> command.add(name + "=" + uri));
        return run(command);
    }

    /** Starts {@code command}, a worker of any build, its output in a {@code bs-test-} log file. */
    static WorkerProcess run(List<String> command) throws IOException {
        Path log = Files.createTempFile(TestVm.PREFIX + "worker-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new WorkerProcess(process, log);
    }

    /** kill -9, as a crash or the OOM killer would; returns the exit status once the process is gone. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("worker process " + process.pid() + " survived SIGKILL");
        }
        return process.exitValue();
    }

    /** SIGTERM, as systemd or an operator stops a worker; returns the exit status once the process is gone. */
    int terminate() throws InterruptedException {
        // The handle's, not Process.destroy(): that also closes the child's stdin, which ends it at once.
        process.toHandle().destroy();
        if (!process.waitFor(DRAIN.toSeconds() + 20, TimeUnit.SECONDS)) {
            throw new AssertionError("worker process " + process.pid() + " did not end within its drain after SIGTERM");
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the process if it still runs, and copies its log to the test's output before removing it. */
    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                kill();
            }
            System.err.println("---- worker process " + process.pid() + " ----\n" + Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
