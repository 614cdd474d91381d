package io.blockshift.workflows;

import java.util.List;

/**
 * What {@code MigrateFleet}'s {@code progress} query answers.
 *
 * @param state {@code starting}, {@code resolving}, {@code running}, {@code paused}, {@code stopping},
 *     {@code canceling}, {@code canceled}, {@code stopped}, {@code done}
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
 * @param failures the first failures, one line each (at most 100)
 * @param run which run of the workflow answers (1 + times it continued as new)
 */
public record FleetProgress(String state, int total, int done, int running, int failed, int canceled, int pending,
        long bytesDone, long bytesTotal, Long etaSeconds, List<String> runningWorkflows, List<String> failures, int run) {
}
