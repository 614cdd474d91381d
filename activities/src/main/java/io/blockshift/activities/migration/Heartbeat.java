package io.blockshift.activities.migration;

import io.temporal.activity.Activity;

/**
 * Tells Temporal this attempt is alive. The steps that run under a heartbeat timeout but report no
 * progress of their own call it between their libvirt calls and deletions: without it, one that
 * takes longer than the timeout is run again beside itself, and the second run's report (what
 * clean-up deleted) is wrong.
 */
final class Heartbeat {

    private Heartbeat() {
    }

    static void now() {
        Activity.getExecutionContext().heartbeat(null);
    }
}
