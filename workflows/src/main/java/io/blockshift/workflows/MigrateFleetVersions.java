package io.blockshift.workflows;

import io.temporal.workflow.Workflow;

/**
 * The {@code Workflow.getVersion} changes of {@code MigrateFleet}: runs recorded before a change
 * replay on {@link Workflow#DEFAULT_VERSION} and take the older branch. Each is asked only on the
 * path it guards, where it always was.
 */
final class MigrateFleetVersions {

    /**
     * The change that asks the server about the children of earlier runs: runs recorded before it
     * waited for signals only.
     */
    static final String CHECKS_EARLIER_CHILDREN = "checks-earlier-children";
    /**
     * The change that refuses the disks of a lookup that failed for good (their host's libvirt
     * unreachable, say) instead of failing the whole fleet, whose running children would carry on
     * unheard. Asked only on that path.
     */
    static final String LOOKUP_FAILURE_REFUSES = "lookup-failure-refuses";
    /**
     * The change that refuses a disk whose target another disk of the fleet already has (on the
     * same host): the two migrations would take each other's files for their own. Asked only when
     * that happens.
     */
    static final String REFUSES_SHARED_TARGETS = "refuses-shared-targets";

    /**
     * The change that starts a child whose disk has a named host on that host's task queue, where its
     * short steps run as local activities; runs recorded before it started every child on the
     * fleet's queue. Asked only when such a child starts.
     */
    static final String CHILDREN_ON_HOST_QUEUES = "children-on-host-queues";

    private MigrateFleetVersions() {
    }

    /** Asked once a run, when it first has children of earlier runs to check on. */
    static boolean checksEarlierChildren() {
        return Workflow.getVersion(CHECKS_EARLIER_CHILDREN, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }

    /** Asked only once a lookup failed for good. */
    static boolean lookupFailureRefuses() {
        return Workflow.getVersion(LOOKUP_FAILURE_REFUSES, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }

    /** Asked only once a disk's target is another disk's too. */
    static boolean refusesSharedTargets() {
        return Workflow.getVersion(REFUSES_SHARED_TARGETS, Workflow.DEFAULT_VERSION, 1) >= 1;
    }

    /** Asked only when a child whose disk names a host starts. */
    static boolean childrenOnHostQueues() {
        return Workflow.getVersion(CHILDREN_ON_HOST_QUEUES, Workflow.DEFAULT_VERSION, 1) >= 1;
    }
}
