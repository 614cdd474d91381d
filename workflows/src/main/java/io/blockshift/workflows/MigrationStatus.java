package io.blockshift.workflows;

import java.util.List;

/**
 * What {@code MigrateDisk}'s {@code status} query answers.
 *
 * @param phase the step running now, or {@code done}, {@code failed}, {@code rolling back}
 * @param stepsDone the steps finished so far, in order
 * @param plan what preflight resolved, once it has
 */
public record MigrationStatus(String phase, List<String> stepsDone, MigrationPlan plan) {
}
