package io.blockshift.workflows;

/**
 * The types of the failures a migration or a fleet ends with ({@code ApplicationFailure.getType()}),
 * which the CLI's exit codes and the audit read: the one place these strings are written.
 */
public enum FailureType implements WireName {
    /** Preflight, the request or the fleet refused it: nothing was changed. */
    REFUSED("Refused"),
    /** A step failed before the pivot and the migration rolled back: the guest runs on A alone. */
    ROLLED_BACK("RolledBack"),
    /** The guest runs on B' over B, but the commit into B did not finish. */
    COMMIT_INCOMPLETE("CommitIncomplete"),
    /** A step failed and rolling back did not finish. */
    ROLLBACK_INCOMPLETE("RollbackIncomplete"),
    /** A step failed and which image the guest runs on could not be told. */
    UNDECIDED("Undecided"),
    /** The guest runs on B alone, but deleting what is left did not finish. */
    CLEANUP_INCOMPLETE("CleanupIncomplete"),
    /** A fleet with {@code onFailure: stop} stopped after a failure. */
    FLEET_STOPPED("FleetStopped");

    private final String wire;

    FailureType(String wire) {
        this.wire = wire;
    }

    /** The failure's type as Temporal records it. */
    @Override
    public String wire() {
        return wire;
    }

    /** Whether {@code type} (a failure's recorded type, may be null) is this one. */
    public boolean is(String type) {
        return wire.equals(type);
    }

    /** The type {@code wire} names, or null when it names none of these. */
    public static FailureType of(String wire) {
        return WireName.lookUp(values(), wire);
    }

    @Override
    public String toString() {
        return wire;
    }
}
