package io.blockshift.client.audit;

import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.Outcome;

/**
 * The words a fleet's disk row uses: its status (a {@link Outcome} once it ended, the fleet's
 * words, so that the rows add up to its counts) and where its end was found.
 */
final class DiskEnd {

    static final String DONE = Outcome.DONE.wire();
    static final String FAILED = Outcome.FAILED.wire();
    static final String REFUSED = Outcome.REFUSED.wire();
    static final String CANCELED = Outcome.CANCELED.wire();
    /** Before it ends: its child runs, its child was asked to start, or it has no child. */
    static final String RUNNING = "running";
    static final String STARTING = "starting";
    static final String NOT_STARTED = "not started";

    static final String FROM_CLOSE_EVENT = "close event";
    static final String FROM_SIGNAL = MigrateFleetWorkflow.DISK_FINISHED + " signal";
    static final String FROM_CHECK = FleetActivities.CLOSED_CHILDREN + " check";
    static final String FROM_START_FAILED = "start failed";
    static final String FROM_RESOLVE = FleetActivities.RESOLVE_DISKS;
    static final String FROM_FLEET_RESULT = "fleet's failures";
    static final String FROM_OWN_HISTORY = "its own history";

    private DiskEnd() {
    }
}
