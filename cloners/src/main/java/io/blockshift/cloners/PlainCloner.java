package io.blockshift.cloners;

import java.nio.file.Path;

/**
 * Copies every byte, holes included, through one 1 MiB buffer: works on any filesystem, and is the
 * slowest. The target is fully allocated.
 */
public final class PlainCloner extends CopyingCloner {

    public PlainCloner() {
        this(DURABLE_EVERY);
    }

    /** For tests: fdatasync every {@code durableEvery} bytes. */
    PlainCloner(long durableEvery) {
        super(durableEvery);
    }

    @Override
    public String name() {
        return "plain";
    }

    @Override
    public String description() {
        return "copies every byte, holes included; works on any filesystem";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        String problem = Preconditions.whyNot(source, targetDirectory);
        return problem != null ? Suitability.no(problem) : Suitability.yes("copies every byte on any filesystem");
    }

    @Override
    boolean sparse() {
        return false;
    }
}
