package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a migration does with the backing chain under the disk's base image A (request field
 * {@code chain}): the one place these words are written. A disk with no backing file moves the same
 * way whichever is asked.
 */
public enum ChainMode implements WireName {
    /** Each backing image is copied once into the target's directory (shared by every disk moved there) and B is rebased onto the copies. */
    COPY("copy"),
    /** B is one standalone image holding the whole chain's content. */
    FLATTEN("flatten"),
    /** Only A moves; B keeps pointing at the same backing files, which must lie inside the worker's storage roots. */
    SHALLOW("shallow");

    private final String wire;

    ChainMode(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    /** The mode {@code wire} names, or null when it names none. */
    @JsonCreator
    public static ChainMode of(String wire) {
        return WireName.lookUp(values(), wire);
    }

    /** The words, for messages and help: {@code copy, flatten, shallow}. */
    public static String words() {
        return Arrays.stream(values()).map(ChainMode::wire).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return wire;
    }
}
