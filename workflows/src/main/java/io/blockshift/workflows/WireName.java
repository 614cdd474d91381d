package io.blockshift.workflows;

/** A word of the protocol: an enum constant and the string it travels as. */
public interface WireName {

    /** The string on the wire. */
    String wire();

    /** The constant of {@code values} that travels as {@code wire}, or null when none does. */
    static <E extends WireName> E lookUp(E[] values, String wire) {
        for (E value : values) {
            if (value.wire().equals(wire)) {
                return value;
            }
        }
        return null;
    }
}
