package io.blockshift.workflows;

import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A fleet's checks on the children an earlier run started: those report their end by signal, which
 * a child closed from outside (terminated, timed out) never sends, so while any runs the fleet asks
 * the server about them every {@code childCheckSeconds}; whichever of the signal and the check
 * comes first counts.
 */
final class EarlierChildrenChecks {

    private static final Logger log = Workflow.getLogger(EarlierChildrenChecks.class);

    private final FleetRun run;
    private final Supplier<FleetState> state;
    private final Consumer<DiskOutcome> finished;

    /** {@code finished} counts a child's end; {@code state} is the fleet's, once the run has it. */
    EarlierChildrenChecks(FleetRun run, Supplier<FleetState> state, Consumer<DiskOutcome> finished) {
        this.run = run;
        this.state = state;
        this.finished = finished;
    }

    /**
     * Unless a check is already waiting: in {@code childCheckSeconds}, asks the server which
     * children of earlier runs have closed and counts them. It runs beside the loop (a workflow
     * thread of its own), so a slow answer holds nothing up; its end wakes the loop, which
     * schedules the next while any such child runs.
     */
    void scheduleUnlessWaiting() {
        if (run.checkScheduled || earlierChildren().isEmpty()) {
            return;
        }
        if (run.checksEarlierChildren == null) {
            run.checksEarlierChildren = MigrateFleetVersions.checksEarlierChildren();
        }
        if (!run.checksEarlierChildren) {
            return;
        }
        run.checkScheduled = true;
        int seconds = state.get().limits.childCheckSeconds;
        Async.procedure(() -> {
            try {
                Workflow.sleep(Duration.ofSeconds(seconds));
                List<ChildExecution> children = earlierChildren();
                if (!children.isEmpty()) {
                    run.checks++;
                    FleetLookups.on(null).closedChildren(children).forEach(this::finishedUnreported);
                }
            } catch (TemporalFailure e) {
                // On a cancel of the fleet the cancel path schedules checks of its own.
                if (!CancellationScope.current().isCancelRequested()) {
                    log.warn("could not check on the migrations earlier runs started (trying again in {} s): {}",
                            seconds, MigrationFailures.messageOf(e));
                }
            } finally {
                run.checkScheduled = false;
                run.changes++;
            }
        });
    }

    /** The running children an earlier run started: this run learns of their end by signal or by a check. */
    private List<ChildExecution> earlierChildren() {
        List<ChildExecution> earlier = new ArrayList<>();
        for (FleetDisk disk : state.get().running.values()) {
            if (!run.started.containsKey(disk.workflowId())) {
                earlier.add(new ChildExecution(disk.workflowId(), disk.runId()));
            }
        }
        return earlier;
    }

    private void finishedUnreported(DiskOutcome outcome) {
        if (state.get().running.containsKey(outcome.workflowId())) {
            log.warn("counted {} as {}: {}", outcome.workflowId(), outcome.outcome(),
                    outcome.message() == null ? "it closed without reporting to the fleet" : outcome.message());
        }
        finished.accept(outcome);
    }
}
