package io.blockshift.client.command;

import io.blockshift.client.ExitCodes;
import io.blockshift.client.session.FleetFollower;
import io.blockshift.client.session.MigrationFollower;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.client.session.WorkflowQueries;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrationStatus;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * What {@code blockshift status} and {@code cancel} share: a migration's or a fleet's workflow,
 * attached to and followed to its end.
 */
abstract class FollowCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WORKFLOW_ID", description = "The migration's or fleet's workflow ID.")
    String workflowId;

    @Mixin
    TemporalOptions temporal;

    /**
     * Attaches to {@code workflowId} (a migration or a fleet), canceling it first if asked, and
     * reports how it ends; with {@code once}, reports where a running one is now instead.
     */
    final int follow(boolean cancel, boolean json, boolean once) throws Exception {
        return temporal.withClient(client -> {
            Optional<WorkflowExecutionDescription> found = WorkflowQueries.latestRun(client.client(), workflowId);
            if (found.isEmpty()) {
                return temporal.notFound(workflowId);
            }
            WorkflowExecutionDescription workflow = found.get();
            String type = workflow.getWorkflowType();
            boolean fleet = MigrateFleetWorkflow.TYPE.equals(type);
            if (!fleet && !MigrateDiskWorkflow.TYPE.equals(type)) {
                System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": workflow " + workflowId + " is a " + type
                        + ", not a blockshift migration (MigrateDisk) or fleet (MigrateFleet)");
                return ExitCodes.REFUSED;
            }
            if (once && workflow.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                return printNow(client.client(), workflowId, fleet, json);
            }
            WorkflowSession<?, ?> session = fleet
                    ? WorkflowSession.fleet(client.client(), temporal.taskQueue, ProgressDisplay.onStderr(),
                            temporal.workerCommand(), "the fleet goes on on the server")
                    : WorkflowSession.migration(client.client(), temporal.taskQueue, ProgressDisplay.onStderr(),
                            temporal.workerCommand(), "the migration goes on on the server");
            return WorkflowSession.report(session.attach(workflowId, cancel), json, System.out, System.err);
        });
    }

    /** Where a running migration or fleet is now, from its query. */
    private static int printNow(WorkflowClient client, String workflowId, boolean fleet, boolean json) {
        Optional<?> now = fleet ? FleetFollower.progress(client, workflowId) : MigrationFollower.status(client, workflowId);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("workflowId", workflowId);
            out.put("type", fleet ? MigrateFleetWorkflow.TYPE : MigrateDiskWorkflow.TYPE);
            out.put("status", "running");
            out.put(fleet ? "progress" : "migration", now.orElse(null));
            System.out.println(WorkflowSession.toJson(out));
        } else if (now.isEmpty()) {
            System.out.println(workflowId + ": running; no worker answered its query (is one running?)");
        } else if (now.get() instanceof FleetProgress p) {
            System.out.println(workflowId + ": " + FleetFollower.progressLine(p));
            p.runningWorkflows().forEach(child -> System.out.println("  running " + child));
            p.failures().forEach(failure -> System.out.println("  failed  " + failure));
        } else if (now.get() instanceof MigrationStatus s) {
            System.out.println(workflowId + ": " + s.phase() + (s.stepsDone().isEmpty() ? ""
                    : " (done: " + String.join(", ", s.stepsDone()) + ")"));
        }
        return ExitCodes.OK;
    }
}
