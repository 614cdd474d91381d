package io.blockshift.workflows;

import java.util.List;

/**
 * What {@code MigrateDisk}'s {@code status} query answers.
 *
 * @param phase a {@link DiskPhase}'s wire string: the step running now, or {@code refused},
 *     {@code rolling back}, {@code canceled}, {@code failed}, {@code done}
 * @param stepsDone the steps finished so far, in order, then {@link DiskPhase#ROLLBACK_STEP} once a rollback finished
 * @param plan what preflight resolved, once it has
 * @param result the result once done; also there when a cancel that came too late made Temporal
 *     close the workflow as CANCELED
 * @param failure why it failed or was refused, once it has
 * @param failureType the failure's type, a {@link FailureType}'s wire string, once it has
 */
public record MigrationStatus(String phase, List<String> stepsDone, MigrationPlan plan, MigrateDiskResult result,
        String failure,
        String failureType) {
}
