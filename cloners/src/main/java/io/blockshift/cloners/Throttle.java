package io.blockshift.cloners;

import java.io.InterruptedIOException;

/**
 * Holds a copy to a byte rate by sleeping when it runs ahead. 0 means no limit.
 *
 * <p>A stall (a slow disk, say) earns no burst afterwards beyond {@link #SLACK_NANOS} worth of
 * bytes, so that the rate holds over any window of a few seconds, not just on average since the
 * start. Callers that pass chunks of at most {@link #chunkSize(int)} bytes stay within a few
 * percent over any 5 s window. Sleeps are cut into slices of at most {@link #SLICE_NANOS} so that
 * the caller can look for a cancel in between.
 */
public final class Throttle {

    static final long SLICE_NANOS = 100_000_000L;
    static final long SLACK_NANOS = 100_000_000L;
    private static final int MIN_CHUNK = 64 << 10;

    private final long bytesPerSecond;
    /** When the bytes passed so far are due at the set rate. */
    private long dueNanos = System.nanoTime();

    public Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Accounts for {@code n} more bytes, sleeping as long as the rate asks. */
    public void pass(long n) throws InterruptedIOException {
        pass(n, () -> { });
    }

    /**
     * Accounts for {@code n} more bytes, sleeping as long as the rate asks and running
     * {@code whileWaiting} after each slice of sleep; whatever it throws ends the wait.
     */
    public void pass(long n, Runnable whileWaiting) throws InterruptedIOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        dueNanos = Math.max(dueNanos, now - SLACK_NANOS) + Math.multiplyExact(n, 1_000_000_000L) / bytesPerSecond;
        long ahead;
        while ((ahead = dueNanos - System.nanoTime()) > 0) {
            long slice = Math.min(ahead, SLICE_NANOS);
            try {
                Thread.sleep(slice / 1_000_000, (int) (slice % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("clone interrupted");
            }
            whileWaiting.run();
        }
    }

    /**
     * The chunk to copy at a time: at most {@code max}, and at most a tenth of a second's worth at
     * this rate (a power of two no smaller than 64 KiB), so one chunk never bursts far ahead.
     */
    public int chunkSize(int max) {
        if (bytesPerSecond <= 0) {
            return max;
        }
        long tenth = Math.max(MIN_CHUNK, bytesPerSecond / 10);
        return (int) Math.min(max, Long.highestOneBit(tenth));
    }
}
