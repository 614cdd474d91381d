package io.blockshift.workflows;

/**
 * The memo keys of a {@code MigrateDisk} or {@code MigrateFleet}: who asked and why (written by
 * whoever starts it: blockshift's {@code migrate} and {@code fleet}, or {@code temporal workflow
 * start --memo}), and what a migration closed as CANCELED did. {@code list} and {@code audit} read them.
 */
public final class Memo {

    /** Who asked for the migration or fleet. */
    public static final String REQUESTED_BY = "requestedBy";
    /** Why, in the asker's words. */
    public static final String REASON = "reason";
    /** What a migration canceled after its point of no return did: it still moved the disk. */
    public static final String OUTCOME = "outcome";

    private Memo() {
    }
}
