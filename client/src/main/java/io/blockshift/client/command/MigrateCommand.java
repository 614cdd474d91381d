package io.blockshift.client.command;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.client.TemporalClient;
import io.blockshift.client.server.EmbeddedTemporal;
import io.blockshift.client.session.MigrationFollower;
import io.blockshift.client.session.MigrationOutcome;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.MigrateDiskRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code blockshift migrate}: one live disk migration, followed to its end. */
@Command(name = "migrate",
        header = "Move a disk of a running VM to new storage, live.",
        description = {
            "Moves one disk of a running VM to new storage with no guest downtime, as a durable MigrateDisk"
                    + " workflow, and shows its progress until the guest runs on the target.",
            "With a Temporal server at --temporal, a blockshift worker on the VM's host does the work. When none"
                    + " answers at the default address and no --temporal or --tls option was given, migrate runs a"
                    + " server and a worker itself for the duration (the Temporal CLI's dev server when 'temporal' is"
                    + " installed, else an in-memory one); a server named by --temporal or a --tls option that does not"
                    + " answer is an error (exit 7), and nothing starts.",
            "Ctrl-C cancels: the migration rolls back (or, past the point of no return, finishes) and migrate"
                    + " waits for that before it exits."},
        footer = {"", "Example:", "  blockshift migrate --domain vm1 --disk vda --target /srv/fast/vm1-vda.img"})
public final class MigrateCommand implements Callable<Integer> {

    /** How long migrate waits for a Temporal server at the default address to answer before it runs its own. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);
    /** How long migrate waits for the server the operator named (--temporal, --tls*) to answer. */
    static final Duration NAMED_SERVER_TIMEOUT = Duration.ofSeconds(5);

    @Mixin
    TemporalOptions temporal;

    @Mixin
    DiskOptions which;

    @Option(names = "--target", required = true, paramLabel = "PATH",
            description = "The new base image B (a relative path is taken from the current directory); its"
                    + " temporary overlays go beside it.")
    Path target;

    @Mixin
    ClonerOptions copying;

    @Option(names = "--keep-source", description = "Keep the old base image A instead of deleting it at the end.")
    boolean keepSource;

    @Option(names = "--verify", description = "Checksum the copy even when the cloner would skip it (a reflink"
            + " shares the very blocks; the copying cloners always checksum).")
    boolean verify;

    @Option(names = "--connect", paramLabel = "URI", defaultValue = "qemu:///system",
            description = "libvirt URI of the VM's host, as the worker sees it (default: ${DEFAULT-VALUE}).")
    String connectUri;

    @Option(names = "--convergence", paramLabel = "SECONDS", defaultValue = "60",
            description = "Seconds a block job may copy without catching up on the guest's writes before blockshift"
                    + " acts: the mirror switches to write-blocking mode, the commit lifts its bandwidth limit, then"
                    + " limits the guest's writes (default: ${DEFAULT-VALUE}).")
    long convergenceSeconds;

    @Option(names = "--workflow-id", paramLabel = "ID",
            description = "Workflow ID (default: migrate-DOMAIN-DISK-RANDOM). An ID already running is refused.")
    String workflowId;

    @Option(names = "--storage-root", paramLabel = "DIR",
            description = "With the embedded worker only: another directory it may write in, besides the target's"
                    + " own (repeatable).")
    List<Path> storageRoots = new ArrayList<>();

    @Mixin
    RequesterOptions requester;

    @Option(names = "--json", description = "Print the outcome as JSON on stdout (the workflow ID line goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        BlockshiftCli.logLevel("WARN");
        MigrateDiskRequest request = request();
        String id = workflowId != null ? workflowId : MigrationFollower.defaultWorkflowId(which.domain, which.disk);
        PrintStream announce = json ? System.err : System.out;
        ProgressDisplay display = ProgressDisplay.onStderr();
        MigrationOutcome outcome;
        // Until the workflow starts, Ctrl-C only stops what is being set up; then the session cancels it.
        try (Interrupts.Flag interrupted = Interrupts.flag("canceling: no migration has started yet")) {
            Optional<TemporalClient> server;
            if (temporal.serverNamed()) {
                try {
                    server = Optional.of(temporal.connect(NAMED_SERVER_TIMEOUT));
                } catch (ParameterException unusableTlsFiles) {
                    throw unusableTlsFiles; // a usage error (2), not an unreachable server
                } catch (RuntimeException unreachable) {
                    System.err.println(ExitCodes.outcome(ExitCodes.UNREACHABLE) + ": cannot reach Temporal at "
                            + temporal.address + ": " + TemporalClient.why(unreachable) + ". Nothing was started."
                            + " Check the address and that the server is up, and that the TLS options match it (--tls,"
                            + " --tls-ca, --tls-cert with --tls-key); leave --temporal and every --tls option out to"
                            + " run a server and a worker in this process for this migration.");
                    return ExitCodes.UNREACHABLE;
                }
            } else {
                server = temporal.connectIfAnswers(ANSWER_TIMEOUT);
            }
            if (server.isPresent()) {
                try (TemporalClient client = server.get()) {
                    if (interrupted.raised()) {
                        return canceledBeforeStart();
                    }
                    outcome = WorkflowSession.migration(client.client(), temporal.taskQueue, display, temporal.workerCommand(),
                            "the workflow goes on on the server; follow it with: temporal workflow show --follow"
                                    + " --address " + temporal.address + " -w " + id).memo(requester.memo()).run(request, id, announce);
                }
            } else {
                System.err.println("no Temporal server answers at " + temporal.address
                        + "; running one and a worker in this process for this migration");
                try (EmbeddedTemporal embedded = EmbeddedTemporal.start(temporal.taskQueue, roots(), System.err)) {
                    if (interrupted.raised()) {
                        return canceledBeforeStart();
                    }
                    outcome = WorkflowSession.migration(embedded.client(), temporal.taskQueue, display, null,
                            embedded.ifAbandoned()).memo(requester.memo()).run(request, id, announce);
                }
            }
        }
        return WorkflowSession.report(outcome, json, System.out, System.err);
    }

    private static int canceledBeforeStart() {
        System.err.println(ExitCodes.outcome(ExitCodes.CANCELED) + ": nothing was started or changed");
        return ExitCodes.CANCELED;
    }

    MigrateDiskRequest request() {
        MigrateDiskRequest request = which.request(target, copying);
        request.keepSource = keepSource;
        request.verify = verify;
        request.connectUri = connectUri;
        request.convergenceSeconds = convergenceSeconds;
        return request;
    }

    /** The embedded worker may write in the target's directory and any --storage-root. */
    private StorageRoots roots() {
        List<Path> roots = new ArrayList<>();
        Path parent = target.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            roots.add(parent);
        }
        storageRoots.forEach(root -> roots.add(root.toAbsolutePath().normalize()));
        return new StorageRoots(roots);
    }
}
