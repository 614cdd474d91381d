package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a migration ended, in the words of {@link SearchAttributes#OUTCOME}, a child's report to its
 * fleet ({@link DiskOutcome}) and the CLI's {@code --json}: the one place these strings are written.
 */
public enum Outcome implements WireName {
    /** The guest runs on B alone (also when a cancel came after the point of no return). */
    DONE("done"),
    /** A step failed before the pivot; the guest runs on A alone and nothing new is left. */
    ROLLED_BACK("rolled-back"),
    /** Preflight or the request refused it; nothing was changed. */
    REFUSED("refused"),
    /** Canceled before the pivot, and rolled back. */
    CANCELED("canceled"),
    /** Something needs a hand: the failure says what. */
    FAILED("failed");

    private final String wire;

    Outcome(String wire) {
        this.wire = wire;
    }

    /** The string on the wire and in the search attribute. */
    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    /** The outcome {@code wire} names, or null when it names none. */
    @JsonCreator
    public static Outcome of(String wire) {
        return WireName.lookUp(values(), wire);
    }

    @Override
    public String toString() {
        return wire;
    }
}
