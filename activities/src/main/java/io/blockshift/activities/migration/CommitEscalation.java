package io.blockshift.activities.migration;

/**
 * What the commit does about each window in which it did not converge, in order: lift its
 * bandwidth limit (if it has one); then limit the guest's writes to a quarter of what the job was
 * seen to copy, never under {@link #FLOOR}; then halve that limit, down to the floor; then give up.
 * A disk in an I/O throttle group is never limited (that would slow every disk of the group): the
 * commit gives up instead. Pure: {@link CommitConvergence} carries it out.
 */
final class CommitEscalation {

    /** The lowest limit put on the guest's writes: 1 MiB/s. */
    static final long FLOOR = 1L << 20;

    /** What to do next. */
    sealed interface Step permits Lift, Limit, GiveUp {
    }

    /** Lift the job's bandwidth limit. */
    record Lift() implements Step {
    }

    /** Limit the guest's writes to the disk to {@code bytesPerSecond}. */
    record Limit(long bytesPerSecond) implements Step {
    }

    /** Nothing more to try: why. */
    record GiveUp(String why) implements Step {
    }

    private boolean lifted;
    private long limit;

    /** @param lifted whether the job runs without a bandwidth limit already (none asked for, or lifted by an earlier attempt) */
    CommitEscalation(boolean lifted) {
        this.lifted = lifted;
    }

    /**
     * The next step after a window without progress.
     *
     * @param copiedBytesPerSecond what the job copied a second over that window
     * @param group the disk's I/O throttle group, or null
     */
    Step next(long copiedBytesPerSecond, String group) {
        if (!lifted) {
            lifted = true;
            return new Lift();
        }
        if (group != null) {
            return new GiveUp("the disk is in I/O throttle group '" + group + "', whose limit blockshift does not "
                    + "tighten (it would slow every disk of the group), and the guest writes faster than the commit copies");
        }
        if (limit == FLOOR) {
            return new GiveUp("with the guest's writes held to " + (FLOOR >> 20) + " MiB/s the job still made no progress,"
                    + " so the copy into the new storage itself is stuck; check its health");
        }
        limit = limit == 0 ? Math.max(FLOOR, copiedBytesPerSecond / 4) : Math.max(FLOOR, limit / 2);
        return new Limit(limit);
    }
}
