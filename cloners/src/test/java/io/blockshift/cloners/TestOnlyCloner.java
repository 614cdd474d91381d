package io.blockshift.cloners;

import java.nio.file.Path;

/** Registered in src/test/resources/META-INF/services, as a vendor's jar would register its cloner. */
public final class TestOnlyCloner implements Cloner {

    @Override
    public String name() {
        return "test-only";
    }

    @Override
    public String description() {
        return "a cloner only the tests register";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        return Suitability.no("only for tests");
    }

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) {
        throw new UnsupportedOperationException();
    }
}
