package io.blockshift.workflows;

import java.util.List;

/**
 * The result of {@code MigrateFleet}.
 *
 * @param total disks in the fleet
 * @param done disks migrated
 * @param failed disks that failed or were refused
 * @param canceled disks whose migration was canceled
 * @param bytesDone source bytes migrated
 * @param failures the first failures, one line each (at most 100)
 * @param runs how many runs the fleet took (continue-as-new)
 */
public record FleetResult(int total, int done, int failed, int canceled, long bytesDone, List<String> failures, int runs) {
}
