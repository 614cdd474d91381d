package io.blockshift.workflows;

import io.temporal.workflow.Workflow;

/**
 * The {@code Workflow.getVersion} changes of {@code MigrateDisk}: histories recorded before a change
 * replay on {@link Workflow#DEFAULT_VERSION} and take the older branch. Each is asked where, and
 * only where, it always was: a new place would add a marker that an older history lacks.
 *
 * @param hostsAndFleets whether activities go to the request's host and the end is reported to a parent fleet
 * @param searchAttributes whether the migration keeps its search attributes up to date
 * @param localSteps whether the short host-only steps may run as local activities (where the queues allow it)
 */
record MigrateDiskVersions(boolean hostsAndFleets, boolean searchAttributes, boolean localSteps) {

    /**
     * Change ID of the version that routes activities to the request's host and reports to a parent
     * fleet: histories recorded before it replay on {@link Workflow#DEFAULT_VERSION}.
     */
    static final String HOSTS_AND_FLEETS = "hosts-and-fleets";

    /**
     * Change ID of the version that keeps {@link SearchAttributes} up to date: histories recorded
     * before it replay on {@link Workflow#DEFAULT_VERSION} and upsert nothing.
     */
    static final String SEARCH_ATTRIBUTES = "search-attributes";

    /**
     * Change ID of the version that ends a migration whose clean-up failed after the guest moved as
     * CleanupIncomplete (saying the guest runs on B) rather than with the activity's bare failure:
     * asked only on that path, so only histories that took it carry the marker.
     */
    static final String CLEANUP_INCOMPLETE = "cleanup-incomplete";

    /**
     * Change ID of the version that runs the short host-only steps (snapshot, overlay, active layer,
     * clean-up) as local activities, recorded in the workflow task that asked for them
     * when the workflow's own queue is where its activities go: histories recorded before it replay
     * on {@link Workflow#DEFAULT_VERSION} with every step an ordinary activity.
     */
    static final String LOCAL_STEPS = "local-steps";

    /**
     * Change ID of the version that moves a shut-off domain's disk by copy and a define (no snapshot,
     * no block job): asked only when preflight found the domain shut off, which every build before
     * it refused, so no older history carries the marker or reaches the question.
     */
    static final String COLD_MOVES = "cold-moves";

    /** Asks the three changes every migration asks at its start, in this order. */
    static MigrateDiskVersions atStart() {
        int hosts = Workflow.getVersion(HOSTS_AND_FLEETS, Workflow.DEFAULT_VERSION, 1);
        int attributes = Workflow.getVersion(SEARCH_ATTRIBUTES, Workflow.DEFAULT_VERSION, 1);
        int local = Workflow.getVersion(LOCAL_STEPS, Workflow.DEFAULT_VERSION, 1);
        return new MigrateDiskVersions(hosts >= 1, attributes >= 1, local >= 1);
    }

    /** Asked only once clean-up failed after the guest moved: whether that ends as CleanupIncomplete. */
    static boolean cleanupIncomplete() {
        return Workflow.getVersion(CLEANUP_INCOMPLETE, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }

    /** Asked only once preflight found the domain shut off: whether it moves by copy and a define. */
    static boolean coldMoves() {
        return Workflow.getVersion(COLD_MOVES, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }
}
