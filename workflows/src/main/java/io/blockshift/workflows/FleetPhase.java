package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a {@code MigrateFleet} is: the {@code state} its {@code progress} query answers. */
public enum FleetPhase implements WireName {
    STARTING("starting"),
    EXPANDING("expanding"),
    RESOLVING("resolving"),
    RUNNING("running"),
    PAUSED("paused"),
    STOPPING("stopping"),
    /** Between two runs: waiting for this run's starts and handlers before it continues as new. */
    CONTINUING_AS_NEW("continuing as new"),
    CANCELING("canceling"),
    CANCELED("canceled"),
    STOPPED("stopped"),
    DONE("done"),
    REFUSED("refused");

    private final String wire;

    FleetPhase(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    /** Whether the fleet has ended, or is ending, so that pause and resume no longer apply. */
    public boolean isEnding() {
        return this == CANCELING || this == CANCELED || this == STOPPED || this == DONE || this == REFUSED;
    }

    @Override
    public String toString() {
        return wire;
    }
}
