package io.blockshift.cloners;

/**
 * Ends the work of a helper thread ({@link SourceScan}, {@link TargetReadBack}) cut short by its
 * {@code close()}: thrown from inside a read loop, caught at the top of the thread. No stack trace:
 * it is control flow, not an error.
 */
final class StoppedByClose extends RuntimeException {
    StoppedByClose() {
        super(null, null, false, false);
    }
}
