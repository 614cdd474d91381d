package io.blockshift.workflows;

import java.util.List;

/**
 * What {@code MigrateFleet}'s {@code progress} query answers.
 *
 * @param state a {@link FleetPhase}: {@code starting}, {@code resolving}, {@code running}, {@code paused},
 *     {@code stopping}, {@code canceling}, {@code canceled}, {@code stopped}, {@code done}
 * @param total disks in the fleet
 * @param done disks migrated
 * @param running disks migrating now
 * @param failed disks that failed or were refused (including a duplicate of a running migration)
 * @param canceled disks whose migration was canceled (rolled back)
 * @param pending disks not started yet
 * @param bytesDone source bytes of the disks migrated
 * @param bytesTotal source bytes of every disk that resolved
 * @param etaSeconds seconds left at the rate so far, or null before the first disk is done
 * @param runningWorkflows the running children's workflow IDs
 * @param failures the first failures, one line each (at most 100), as {@link FleetFailure#line()} writes them
 * @param run which run of the workflow answers (1 + times it continued as new)
 */
public record FleetProgress(String state, int total, int done, int running, int failed, int canceled, int pending,
        long bytesDone, long bytesTotal, Long etaSeconds, List<String> runningWorkflows, List<String> failures, int run) {

    /** The progress of a fleet in {@code phase} with {@code state} (null before it has one) at workflow time {@code nowMillis}. */
    static FleetProgress of(FleetPhase phase, FleetState state, long nowMillis) {
        if (state == null) {
            return new FleetProgress(phase.wire(), 0, 0, 0, 0, 0, 0, 0, 0, null, List.of(), List.of(), 1);
        }
        return new FleetProgress(phase.wire(), state.total, state.done, state.running.size(), state.failed, state.canceled,
                pending(state), state.bytesDone, state.bytesTotal, etaSeconds(state, nowMillis),
                List.copyOf(state.running.keySet()), List.copyOf(state.failures), state.run);
    }

    /** Disks neither finished nor running. */
    static int pending(FleetState state) {
        return state.total - state.done - state.failed - state.canceled - state.running.size();
    }

    /** Seconds left at the rate so far: deterministic, from workflow time and bytes done; null before any byte is. */
    static Long etaSeconds(FleetState state, long nowMillis) {
        long elapsed = nowMillis - state.startedMillis;
        if (state.bytesDone <= 0 || elapsed <= 0) {
            return null;
        }
        long left = Math.max(0, state.bytesTotal - state.bytesDone);
        return (long) Math.ceil(left * (elapsed / 1000.0) / state.bytesDone);
    }
}
