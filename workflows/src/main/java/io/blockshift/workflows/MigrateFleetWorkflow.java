package io.blockshift.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Moves many disks, each by a child {@code MigrateDisk}, within limits on how many move at once
 * overall, per host and per target directory, one disk at a time per domain.
 */
@WorkflowInterface
public interface MigrateFleetWorkflow {

    String TYPE = "MigrateFleet";
    /** The signal a child {@code MigrateDisk} sends its parent fleet when it ends. */
    String DISK_FINISHED = "DiskFinished";

    /**
     * @param request the fleet, as the operator wrote it
     * @param carried what the previous run left to do; null in the first run (operators pass only the request)
     */
    @WorkflowMethod(name = TYPE)
    FleetResult migrate(MigrateFleetRequest request, FleetState carried);

    @QueryMethod
    FleetProgress progress();

    /** Starts no more disks until {@link #resume}; the running ones go on. */
    @UpdateMethod
    FleetProgress pause();

    @UpdateValidatorMethod(updateName = "pause")
    void validatePause();

    @UpdateMethod
    FleetProgress resume();

    @UpdateValidatorMethod(updateName = "resume")
    void validateResume();

    /** A child reports how it ended: the only way a run learns of children an earlier run started. */
    @SignalMethod(name = DISK_FINISHED)
    void diskFinished(DiskOutcome outcome);
}
