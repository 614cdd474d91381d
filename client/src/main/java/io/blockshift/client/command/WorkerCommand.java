package io.blockshift.client.command;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.client.TemporalClient;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.workflows.MigrateDiskRequest;
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

    @Override
    public Integer call() throws InterruptedException {
        BlockshiftCli.logLevel("INFO");
        if (host != null && !MigrateDiskRequest.validHost(host)) {
            System.err.println("--host '" + host + "' is not a host name: letters, digits, '.', '-' and '_' only");
            return ExitCodes.USAGE;
        }
        Optional<TemporalClient> server = temporal.connectIfAnswers(Duration.ofSeconds(5));
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
                        new StorageRoots(roots))) {
            System.err.println("blockshift worker running; SIGTERM or Ctrl-C stops it (a step in flight is retried by"
                    + " the next worker)");
            stop.await();
            System.err.println("stopping the worker");
        }
        return ExitCodes.OK;
    }
}
