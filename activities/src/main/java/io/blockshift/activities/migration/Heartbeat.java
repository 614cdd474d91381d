package io.blockshift.activities.migration;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;

/**
 * Tells Temporal this attempt is alive. The steps that run under a heartbeat timeout but report no
 * progress of their own call it between their libvirt calls and deletions: without it, one that
 * takes longer than the timeout is run again beside itself, and the second run's report (what
 * clean-up deleted) is wrong.
 */
public final class Heartbeat {

    private Heartbeat() {
    }

    /**
     * Skipped in a local activity (clean-up runs as one when it can): it has no heartbeat timeout, the
     * SDK's local context drops heartbeats anyway (1.38: a no-op), and the workflow task that waits
     * for it is kept alive by the SDK instead.
     */
    public static void now() {
        ActivityExecutionContext context = Activity.getExecutionContext();
        if (!context.getInfo().isLocal()) {
            context.heartbeat(null);
        }
    }
}
