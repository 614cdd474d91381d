package io.blockshift.client.command;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.session.FleetFollower;
import io.blockshift.client.session.FleetOutcome;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateFleetRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code blockshift fleet}: many disks moved by one MigrateFleet workflow, followed to its end. */
@Command(name = "fleet",
        header = "Move many disks: a fleet from a JSON or YAML file, or every disk that selector flags match.",
        description = {
            "Starts a MigrateFleet workflow, which moves each disk by its own MigrateDisk within the limits (at most"
                    + " --max-concurrent at once, --max-per-host per host, --max-per-target per target directory, one"
                    + " disk per VM at a time), and shows its counts, bytes and ETA until it ends.",
            "FILE holds the very object 'temporal workflow start --type MigrateFleet --input' takes, in JSON or YAML:"
                    + " {\"migrations\": [{\"domain\": ..., \"disk\": ..., \"target\": ...}, ...]} or {\"select\": {...}},"
                    + " with the limits beside. Unknown fields are refused by name and nothing starts. The limit"
                    + " options, when given, replace the file's.",
            "Without FILE, the selector flags pick every file-backed disk of the VMs (running, paused or shut off, or"
                    + " those --states names) named like --domains"
                    + " whose image lies under --source-under, and move each to --target-dir/<domain>-<disk>.<ext>.",
            "Needs a Temporal server at --temporal and a worker ('blockshift worker') on each VM host. --detach"
                    + " prints the workflow ID and exits; 'blockshift status ID' follows it later. Ctrl-C cancels"
                    + " the fleet: the running disks roll back (those past the point of no return finish), no more"
                    + " start, and fleet waits for that before it exits."},
        footer = {"", "Examples:", "  blockshift fleet web-fleet.yaml --max-concurrent 8",
            "  blockshift fleet --domains 'web-*' --source-under /srv/old --target-dir /srv/fast --detach"})
public final class FleetCommand implements Callable<Integer> {

    /** The request's fields, as its problems name them, and the options that set them. */
    private static final String[][] FIELD_OPTIONS = {
        {"select.domains", "--domains"}, {"select.sourceUnder", "--source-under"}, {"select.targetDir", "--target-dir"},
        {"select.connectUri", "--connect"}, {"select.host", "--host"}, {"select.bandwidthMiBps", "--bandwidth"},
        {"maxConcurrent", "--max-concurrent"}, {"maxPerHost", "--max-per-host"}, {"maxPerTarget", "--max-per-target"},
        {"onFailure", "--on-failure"}, {"select.states", "--states"}};

    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "The fleet, in JSON or YAML (.yaml/.yml, or any file not starting with '{').")
    Path file;

    @Option(names = "--domains", paramLabel = "GLOB",
            description = "Selector: VMs whose name matches (* any run of characters, ? one; '*' for all).")
    String domains;

    @Option(names = "--source-under", paramLabel = "DIR", description = "Selector: only disks whose image lies under DIR.")
    Path sourceUnder;

    @Option(names = "--target-dir", paramLabel = "DIR", description = "Selector: where the new images go.")
    Path targetDir;

    @Option(names = "--connect", paramLabel = "URI",
            description = "Selector: libvirt URI of the VMs' host, as the worker sees it (default: qemu:///system).")
    String connectUri;

    @Option(names = "--host", paramLabel = "NAME",
            description = "Selector: the host whose worker ('worker --host NAME') runs the steps; leave out on one host.")
    String host;

    @Option(names = "--cloner", paramLabel = "NAME", description = "Selector: how each image is copied (default: auto).")
    String cloner;

    @Option(names = "--bandwidth", paramLabel = "MIBPS",
            description = "Selector: limit in MiB/s for each disk's copy and block jobs (default: none).")
    Long bandwidthMiBps;

    @Option(names = "--keep-source", description = "Selector: keep each old base image instead of deleting it.")
    boolean keepSource;

    @Option(names = "--states", paramLabel = "STATE", split = ",",
            description = "Selector: only VMs in these states, of running, paused, shutoff (default: all three;"
                    + " paused ones move live and stay paused, shut-off ones by copy and a define).")
    List<String> states;

    @Option(names = "--max-concurrent", paramLabel = "N", description = "At most N disks move at once (default: 4).")
    Integer maxConcurrent;

    @Option(names = "--max-per-host", paramLabel = "N", description = "At most N disks of one host move at once (default: 2).")
    Integer maxPerHost;

    @Option(names = "--max-per-target", paramLabel = "N",
            description = "At most N disks move into one target directory at once (default: 2).")
    Integer maxPerTarget;

    @Option(names = "--on-failure", paramLabel = "WHAT",
            description = "continue (a failed disk is reported, the others go on; the default) or stop (cancel the"
                    + " running disks, start no more).")
    String onFailure;

    @Option(names = "--workflow-id", paramLabel = "ID",
            description = "Workflow ID (default: fleet-NAME-RANDOM, NAME being the file's name or the --domains glob)."
                    + " An ID already running is refused.")
    String workflowId;

    @Mixin
    RequesterOptions requester;

    @Option(names = "--detach", description = "Start the fleet, print its workflow ID on stdout (with --json:"
            + " {\"workflowId\": ID}) and exit 0.")
    boolean detach;

    @Option(names = "--json", description = "Print the outcome and the fleet's result as JSON on stdout (the workflow"
            + " ID line goes to stderr).")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BlockshiftCli.logLevel("WARN");
        MigrateFleetRequest request;
        try {
            request = request();
        } catch (FleetFile.Refused e) {
            System.err.println(ExitCodes.outcome(e.exitCode) + ": " + e.getMessage());
            return e.exitCode;
        }
        String id = workflowId != null ? workflowId : FleetFollower.defaultWorkflowId(name());
        return temporal.withClient(client -> {
            WorkflowSession<FleetResult, FleetOutcome> session = WorkflowSession.fleet(client.client(), temporal.taskQueue, ProgressDisplay.onStderr(),
                    temporal.workerCommand(), "the fleet goes on on the server; follow it with: blockshift status " + id)
                    .memo(requester.memo());
            if (detach) {
                try {
                    session.start(request, id);
                } catch (io.temporal.client.WorkflowExecutionAlreadyStarted e) {
                    System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": workflow " + id + " is already running,"
                            + " so nothing was started; give another --workflow-id");
                    return ExitCodes.REFUSED;
                }
                System.out.println(json ? WorkflowSession.toJson(java.util.Map.of("workflowId", id)) : id);
                System.err.println("fleet started; follow it with: blockshift status " + id);
                return ExitCodes.OK;
            }
            PrintStream announce = json ? System.err : System.out;
            return WorkflowSession.report(session.run(request, id, announce), json, System.out, System.err);
        });
    }

    /**
     * The fleet the arguments describe, checked as the workflow would check it.
     *
     * @throws FleetFile.Refused when FILE cannot be read or is not a fleet, or a value is refused
     * @throws ParameterException when the options contradict each other
     */
    MigrateFleetRequest request() throws FleetFile.Refused {
        List<String> selectorFlags = selectorFlagsGiven();
        MigrateFleetRequest request;
        if (file != null) {
            if (!selectorFlags.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give either FILE or the selector flags, not both: "
                        + String.join(", ", selectorFlags) + " go in the file's 'select' object");
            }
            request = FleetFile.read(file);
        } else {
            if (domains == null || sourceUnder == null || targetDir == null) {
                throw new ParameterException(spec.commandLine(), "give FILE, or the selector flags --domains GLOB"
                        + " --source-under DIR --target-dir DIR");
            }
            request = new MigrateFleetRequest();
            request.select = selector();
        }
        if (maxConcurrent != null) {
            request.maxConcurrent = maxConcurrent;
        }
        if (maxPerHost != null) {
            request.maxPerHost = maxPerHost;
        }
        if (maxPerTarget != null) {
            request.maxPerTarget = maxPerTarget;
        }
        if (onFailure != null) {
            request.onFailure = onFailure;
        }
        List<String> problems = request.problems();
        if (!problems.isEmpty()) {
            // FILE was checked as it was read: what is wrong now comes from the options.
            String message = String.join("; ", problems);
            for (String[] names : FIELD_OPTIONS) {
                message = message.replace("'" + names[0] + "'", names[1]);
            }
            // A value the fleet refuses is a refusal (3), as it is in FILE; picocli's usage errors (2)
            // are for what cannot be parsed at all.
            throw new FleetFile.Refused(ExitCodes.REFUSED, message + ". Nothing was started.");
        }
        return request;
    }

    private FleetSelector selector() {
        FleetSelector select = new FleetSelector();
        select.domains = domains;
        select.sourceUnder = sourceUnder.toAbsolutePath().normalize().toString();
        select.targetDir = targetDir.toAbsolutePath().normalize().toString();
        if (connectUri != null) {
            select.connectUri = connectUri;
        }
        select.host = host;
        if (cloner != null) {
            select.cloner = cloner;
        }
        if (bandwidthMiBps != null) {
            select.bandwidthMiBps = bandwidthMiBps;
        }
        select.keepSource = keepSource;
        if (states != null) {
            select.states = states;
        }
        return select;
    }

    private List<String> selectorFlagsGiven() {
        List<String> given = new ArrayList<>();
        if (domains != null) {
            given.add("--domains");
        }
        if (sourceUnder != null) {
            given.add("--source-under");
        }
        if (targetDir != null) {
            given.add("--target-dir");
        }
        if (connectUri != null) {
            given.add("--connect");
        }
        if (host != null) {
            given.add("--host");
        }
        if (cloner != null) {
            given.add("--cloner");
        }
        if (bandwidthMiBps != null) {
            given.add("--bandwidth");
        }
        if (keepSource) {
            given.add("--keep-source");
        }
        if (states != null) {
            given.add("--states");
        }
        return given;
    }

    /** What the default workflow ID is named after: the file, or the selector's glob. */
    private String name() {
        if (file == null) {
            return domains;
        }
        String base = String.valueOf(file.getFileName());
        int dot = base.lastIndexOf('.');
        return dot > 0 ? base.substring(0, dot) : base;
    }
}
