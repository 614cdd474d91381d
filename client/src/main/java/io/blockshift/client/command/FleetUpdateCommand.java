package io.blockshift.client.command;

import io.blockshift.client.ExitCodes;
import io.blockshift.client.session.FleetFollower;
import io.blockshift.client.session.WorkflowQueries;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code blockshift pause} and {@code resume} share: one of the fleet's two updates, sent to it,
 * and its progress after it reported.
 */
abstract class FleetUpdateCommand implements Callable<Integer> {

    /** How long pause and resume wait for a worker to run the update. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    @Parameters(paramLabel = "FLEET_ID", description = "The fleet's workflow ID.")
    String workflowId;

    @Option(names = "--json", description = "Print the fleet's progress after the ${COMMAND-NAME} as JSON on stdout.")
    boolean json;

    @Mixin
    TemporalOptions temporal;

    /** The update's name: {@code pause} or {@code resume}. */
    private final String updateName;

    FleetUpdateCommand(String updateName) {
        this.updateName = updateName;
    }

    @Override
    public Integer call() throws Exception {
        return update(updateName);
    }

    /** Sends the fleet the update {@code name} ({@code pause} or {@code resume}) and reports it. */
    private int update(String name) throws Exception {
        return temporal.withClient(client -> {
            Optional<WorkflowExecutionDescription> found = WorkflowQueries.latestRun(client.client(), workflowId);
            if (found.isEmpty()) {
                return temporal.notFound(workflowId);
            }
            WorkflowExecutionDescription workflow = found.get();
            if (!MigrateFleetWorkflow.TYPE.equals(workflow.getWorkflowType())) {
                return refused("workflow " + workflowId + " is a " + workflow.getWorkflowType() + ", not a fleet"
                        + " (MigrateFleet): only a fleet can " + name + "; 'blockshift cancel " + workflowId
                        + "' stops a migration");
            }
            if (workflow.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                return refused("fleet " + workflowId + " has ended (" + workflow.getStatus().name()
                        .replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT) + "): there is nothing to "
                        + name + "; 'blockshift status " + workflowId + "' tells how it ended");
            }
            CompletableFuture<FleetProgress> answer = CompletableFuture.supplyAsync(
                    () -> client.client().newUntypedWorkflowStub(workflowId).update(name, FleetProgress.class));
            FleetProgress progress;
            try {
                progress = answer.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.err.println(ExitCodes.outcome(ExitCodes.UNREACHABLE) + ": no worker ran the " + name + " within "
                        + ANSWER_TIMEOUT.toSeconds() + " s; it may still apply when one picks the fleet up: check with"
                        + " blockshift status " + workflowId + " --once, and start a worker: " + temporal.workerCommand());
                return ExitCodes.UNREACHABLE;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof WorkflowUpdateException rejected) {
                    return refused(rejection(rejected));
                }
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("workflowId", workflowId);
                out.put("update", name);
                out.put("progress", progress);
                System.out.println(WorkflowSession.toJson(out));
            } else {
                System.out.println(("pause".equals(name) ? "paused" : "resumed") + " fleet " + workflowId + ": "
                        + FleetFollower.progressLine(progress));
                System.out.println("pause".equals(name)
                        ? "the " + progress.running() + " disk(s) moving now go on; no more start until: blockshift resume "
                                + workflowId
                        : "disks start again within the fleet's limits; follow it with: blockshift status " + workflowId);
            }
            return ExitCodes.OK;
        });
    }

    /** The validator's own words: {@code the fleet is already paused; ...}. */
    private static String rejection(WorkflowUpdateException rejected) {
        for (Throwable t = rejected; t != null; t = t.getCause()) {
            if (t instanceof ApplicationFailure app && app.getOriginalMessage() != null) {
                return app.getOriginalMessage();
            }
        }
        return String.valueOf(rejected.getMessage());
    }

    private static int refused(String message) {
        System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": " + message);
        return ExitCodes.REFUSED;
    }
}
