package io.blockshift.cloners;

/**
 * Copies every byte, holes included, through one 1 MiB buffer (pread, pwrite): works on any filesystem, and is the
 * slowest. The target is fully allocated.
 */
public final class PlainCloner extends CopyingCloner {

    public PlainCloner() {
        this(DURABLE_EVERY);
    }

    /** For tests: fdatasync every {@code durableEvery} bytes. */
    PlainCloner(long durableEvery) {
        super("plain", "copies every byte, holes included; works on any filesystem",
                "copies every byte on any filesystem", false, durableEvery);
    }
}
