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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
            "  blockshift worker --temporal temporal.example:7233 --host kvm-07 --storage-root /srv/fast",
            "  blockshift worker --temporal temporal.example:7233 --host kvm-07 --agentless --connect qemu+ssh://root@kvm-07/system",
            "  blockshift worker --agentless-host kvm-07=qemu+ssh://root@kvm-07/system --agentless-host kvm-08=qemu+ssh://root@kvm-08/system"})
public final class WorkerCommand implements Callable<Integer> {

    @Mixin
    TemporalOptions temporal;

    @Option(names = "--storage-root", paramLabel = "DIR",
            description = "A directory migrations may write in (repeatable; default: " + "/var/lib/libvirt/images)."
                    + " For agentless hosts it is a directory on the host: a target's storage pool must serve it or a"
                    + " directory under it.")
    List<Path> storageRoots = new ArrayList<>();

    @Option(names = "--host", paramLabel = "NAME",
            description = "This host's name: the worker also runs the steps of migrations whose 'host' is NAME"
                    + " (task queue blockshift-host-NAME). Give each host's worker its own name.")
    String host;

    @Option(names = "--agentless",
            description = "Host --host NAME has no blockshift agent: this worker, which may run anywhere, moves its disks"
                    + " through the libvirt at --connect alone (storage pools and volumes, block jobs), never opening a"
                    + " file of it. The disk's and the target's directories must be libvirt storage pools there"
                    + " (dir, fs or netfs); preflight names the virsh commands that make a missing one.")
    boolean agentless;

    @Option(names = "--connect", paramLabel = "URI",
            description = "With --agentless: the libvirt URI of host --host NAME (qemu+ssh://root@kvm-07/system, ...;"
                    + " default: qemu:///system). Its migrations must name the same connectUri.")
    String connect;

    @Option(names = "--agentless-host", paramLabel = "NAME=URI",
            description = "Also serve agentless host NAME, whose libvirt is at URI, on queue blockshift-host-NAME"
                    + " (repeatable: one worker for many hypervisors). Its migrations give \"host\": \"NAME\" and"
                    + " \"connectUri\": \"URI\".")
    Map<String, String> agentlessHosts = new LinkedHashMap<>();

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
        if ((agentless || connect != null) && host == null) {
            System.err.println((agentless ? "--agentless" : "--connect") + " needs --host NAME: the host whose libvirt"
                    + " it reaches");
            return ExitCodes.USAGE;
        }
        if (connect != null && !agentless) {
            System.err.println("--connect names an agentless host's libvirt: give --agentless too (a worker on the host"
                    + " itself takes each migration's connectUri)");
            return ExitCodes.USAGE;
        }
        Map<String, String> remote = new LinkedHashMap<>();
        if (agentless) {
            remote.put(host, connect == null ? new MigrateDiskRequest().connectUri : connect);
        }
        for (Map.Entry<String, String> entry : agentlessHosts.entrySet()) {
            if (!MigrateDiskRequest.validHost(entry.getKey()) || entry.getValue().isBlank()) {
                System.err.println("--agentless-host '" + entry.getKey() + "=" + entry.getValue() + "' is not NAME=URI"
                        + " with a host name of letters, digits, '.', '-' and '_'");
                return ExitCodes.USAGE;
            }
            if (remote.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                System.err.println("host " + entry.getKey() + " is given twice: once per worker");
                return ExitCodes.USAGE;
            }
        }
        agentlessHosts = remote;
        if (agentless) {
            host = null; // served agentless, not as this worker's own host
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
                        new StorageRoots(roots), metrics, agentlessHosts)) {
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
