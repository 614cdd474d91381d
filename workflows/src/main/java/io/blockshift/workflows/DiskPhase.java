package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a {@code MigrateDisk} is: what its {@code status} query and {@link SearchAttributes#PHASE}
 * report. The six steps (and preflight) also name the entries of the result's {@code stepMillis}
 * and of the status's {@code stepsDone}, where {@link #ROLLBACK_STEP} marks a finished rollback.
 */
public enum DiskPhase implements WireName {
    STARTING("starting"),
    PREFLIGHT("preflight"),
    SNAPSHOT("snapshot"),
    CLONE("clone"),
    OVERLAY("overlay"),
    MIRROR("mirror"),
    COMMIT("commit"),
    CLEANUP("cleanup"),
    /** A shut-off domain's move: B claimed and A held as QEMU holds an image, so the VM cannot start on A. */
    CLAIM("claim"),
    /** A shut-off domain's move: its persistent definition redefined on B. */
    DEFINE("define"),
    ROLLING_BACK("rolling back"),
    DONE("done"),
    REFUSED("refused"),
    CANCELED("canceled"),
    FAILED("failed");

    /** The entry {@code stepsDone} gets when a rollback finished. */
    public static final String ROLLBACK_STEP = "rollback";

    private final String wire;

    DiskPhase(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    /** The phase {@code wire} names, or null when it names none. */
    @JsonCreator
    public static DiskPhase of(String wire) {
        return WireName.lookUp(values(), wire);
    }

    @Override
    public String toString() {
        return wire;
    }
}
