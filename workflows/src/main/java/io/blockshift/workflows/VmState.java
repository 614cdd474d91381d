package io.blockshift.workflows;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The states a fleet selector picks VMs by ({@link FleetSelector#states}): each moves its own way. */
public enum VmState implements WireName {
    /** Moves live: snapshot, copy, block jobs. */
    RUNNING("running"),
    /** Moves live as a running one does, and stays paused. */
    PAUSED("paused"),
    /** Moves by copy and a define of its persistent XML on the new image. */
    SHUTOFF("shutoff");

    /** A selector's default: every state blockshift moves. */
    public static final List<String> ALL = Arrays.stream(values()).map(VmState::wire).toList();

    private final String wire;

    VmState(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    /** The state {@code wire} names, or null when it names none. */
    public static VmState of(String wire) {
        return WireName.lookUp(values(), wire);
    }

    /** The wire names, for messages: {@code running, paused, shutoff}. */
    static String names() {
        return Arrays.stream(values()).map(VmState::wire).collect(Collectors.joining(", "));
    }
}
