package io.blockshift.workflows;

/**
 * How one child {@code MigrateDisk} ended, as it reports it to its {@code MigrateFleet} parent.
 *
 * @param workflowId the child's workflow ID
 * @param outcome {@code done}, {@code failed}, {@code refused} or {@code canceled}: an {@link Outcome}'s wire string
 * @param message why, unless done
 */
public record DiskOutcome(String workflowId, String outcome, String message) {

    public static DiskOutcome of(String workflowId, Outcome outcome, String message) {
        return new DiskOutcome(workflowId, outcome.wire(), message);
    }
}
