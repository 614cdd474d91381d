package io.blockshift.workflows;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.workflow.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one run of {@code MigrateFleet} keeps beside the {@link FleetState} it carries into the
 * next: where the run is, and its own bookkeeping, which starts afresh in every run.
 */
final class FleetRun {

    /** What the {@code progress} query reports as the fleet's state. */
    FleetPhase phase = FleetPhase.STARTING;
    /** A pause that came before the run had its state. */
    boolean pausedEarly;
    /** Children's reports that came before the run had its state. */
    final List<DiskOutcome> early = new ArrayList<>();
    /** The children this run started, by workflow ID: each one's execution once it has started. */
    final Map<String, Promise<WorkflowExecution>> started = new HashMap<>();
    /** {@link FleetState#skip} as a set. */
    Set<Integer> skip = new HashSet<>();
    /** Bumped by everything the main loop waits for. */
    int changes;
    /** Children this run started. */
    int starts;
    /** Checks on children of earlier runs this run made. */
    int checks;
    /** Whether a check on children of earlier runs is waiting or under way. */
    boolean checkScheduled;
    /** {@link MigrateFleetVersions#checksEarlierChildren()}, asked once a run; null until then. */
    Boolean checksEarlierChildren;
}
