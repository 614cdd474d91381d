package io.blockshift.client.command;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ConnectionOptions;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.client.TemporalClient;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.metrics.WorkerMetrics;
import io.blockshift.workflows.MigrateDiskRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code blockshift worker}: hosts the workflow and its activities until SIGTERM or Ctrl-C. */
@Command(name = "worker",
        header = "Run a worker that carries out migrations on this host.",
        description = {
            "Runs a blockshift worker on the VM's host: it polls the task queue and runs the MigrateDisk workflow"
                    + " and its steps against libvirt and the files here, until SIGTERM or Ctrl-C.",
            "It writes only under the storage roots: a target elsewhere is refused."},
        footer = {"", "Examples:", "  blockshift worker --temporal temporal.example:7233 --storage-root /srv/fast",
            "  blockshift worker --temporal temporal.example:7233 --host kvm-07 --storage-root /srv/fast"})
public final class WorkerCommand implements Callable<Integer> {

    @Mixin
    TemporalOptions temporal;

    @Option(names = "--storage-root", paramLabel = "DIR",
            description = "A directory migrations may write in (repeatable; default: " + "/var/lib/libvirt/images).")
    List<Path> storageRoots = new ArrayList<>();

    @Option(names = "--host", paramLabel = "NAME",
            description = "This host's name: the worker also runs the steps of migrations whose 'host' is NAME"
                    + " (task queue blockshift-host-NAME). Give each host's worker its own name.")
    String host;

    @Option(names = "--drain-seconds", paramLabel = "SECONDS", defaultValue = "30",
            description = "On SIGTERM or Ctrl-C: stop polling, stop the long steps at once (a copy or block job"
                    + " resumes on another worker from its durable offset or the job libvirt keeps), let the quick"
                    + " steps in flight finish for up to SECONDS, then exit (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://ADDRESS:PORT/metrics: the Temporal SDK's worker metrics"
                    + " (temporal_*) and blockshift's (blockshift_*: migrations by outcome, step durations, bytes cloned,"
                    + " block-job bytes remaining, fleet disks by state). Off unless given.")
    Integer metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 lets a Prometheus on"
                    + " another host scrape).")
    String metricsAddress;

    @Override
    public Integer call() throws InterruptedException, IOException {
        BlockshiftCli.logLevel("INFO");
        if (host != null && !MigrateDiskRequest.validHost(host)) {
            System.err.println("--host '" + host + "' is not a host name: letters, digits, '.', '-' and '_' only");
            return ExitCodes.USAGE;
        }
        if (drainSeconds < 0) {
            System.err.println("--drain-seconds " + drainSeconds + " is negative: give 0 or more seconds");
            return ExitCodes.USAGE;
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            System.err.println("--metrics-port " + metricsPort + " is not a port: give 1 to 65535 (0: any free port)");
            return ExitCodes.USAGE;
        }
        WorkerMetrics metrics;
        try {
            metrics = metricsPort == null ? null : WorkerMetrics.serve(new InetSocketAddress(metricsAddress, metricsPort));
        } catch (IOException e) {
            System.err.println("cannot serve metrics on " + metricsAddress + ":" + metricsPort + ": " + e.getMessage()
                    + "; choose another --metrics-port or --metrics-address");
            return ExitCodes.USAGE;
        }
        try (metrics) {
            return run(metrics);
        }
    }

    private int run(WorkerMetrics metrics) throws InterruptedException {
        ConnectionOptions connection = temporal.connectionOptions();
        Optional<TemporalClient> server = temporal.connectIfAnswers(Duration.ofSeconds(5),
                metrics == null ? connection : connection.withMetrics(metrics.sdkScope()));
        if (server.isEmpty()) {
            System.err.println("no Temporal server answers at " + temporal.address + "; start one (for example:"
                    + " temporal server start-dev --db-filename /var/lib/blockshift/temporal.db) or give --temporal");
            return ExitCodes.UNREACHABLE;
        }
        List<Path> roots = storageRoots.isEmpty() ? List.of(StorageRoots.DEFAULT)
                : storageRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        CountDownLatch stop = new CountDownLatch(1);
        try (TemporalClient client = server.get();
                Interrupts.Registration ignored = Interrupts.onInterrupt(stop::countDown);
                BlockshiftWorker worker = BlockshiftWorker.start(client.client(), temporal.taskQueue, host,
                        new StorageRoots(roots), metrics)) {
            System.err.println("blockshift worker running; SIGTERM or Ctrl-C drains and stops it (see --drain-seconds)");
            if (metrics != null) {
                System.err.println("metrics on http://" + metricsAddress + ":" + metrics.port() + WorkerMetrics.PATH);
            }
            stop.await();
            System.err.println("draining: no new steps; the long ones stop for another worker to resume; waiting up to "
                    + drainSeconds + " s for the quick ones in flight");
            boolean drained = worker.drain(Duration.ofSeconds(drainSeconds));
            System.err.println(drained ? "drained; worker stopped"
                    : "drain time up: the steps still running were stopped and are retried on another worker");
        }
        return ExitCodes.OK;
    }
}
