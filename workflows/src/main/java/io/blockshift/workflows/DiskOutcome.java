package io.blockshift.workflows;

/**
 * How one child {@code MigrateDisk} ended, as it reports it to its {@code MigrateFleet} parent.
 *
 * @param workflowId the child's workflow ID
 * @param outcome {@code done}, {@code failed}, {@code refused} or {@code canceled}
 * @param message why, unless done
 */
public record DiskOutcome(String workflowId, String outcome, String message) {

    static final String DONE = "done";
    static final String FAILED = "failed";
    static final String REFUSED = "refused";
    static final String CANCELED = "canceled";
}
