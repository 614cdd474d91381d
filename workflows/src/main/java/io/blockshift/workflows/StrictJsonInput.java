package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;

/**
 * A workflow input written as a plain JSON object (so the Temporal CLI's {@code --input} can give
 * it) that refuses the fields it does not know, by name, instead of dropping them.
 */
public abstract class StrictJsonInput {

    @JsonIgnore
    private final List<String> unknownFields = new ArrayList<>();

    @JsonAnySetter
    void unknownField(String name, Object value) {
        unknownFields.add(name);
    }

    /** Adds a line naming the unknown fields, if there were any, {@code where} they were and which are known. */
    protected void refuseUnknownFields(List<String> problems, String where, String knownFields) {
        if (!unknownFields.isEmpty()) {
            problems.add("unknown field(s) " + unknownFields + where + "; known fields are " + knownFields);
        }
    }

    protected static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
