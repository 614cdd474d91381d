package io.blockshift.cloners;

/**
 * Copies every byte, holes included, with {@code sendfile} (an in-kernel copy through the page
 * cache that, unlike {@code copy_file_range}, never shares blocks), or through a 1 MiB buffer where
 * the kernel cannot: works on any filesystem, and the target is fully allocated.
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
