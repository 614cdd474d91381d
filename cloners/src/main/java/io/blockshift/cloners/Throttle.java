package io.blockshift.cloners;

import java.io.InterruptedIOException;

/** Holds a copy to a byte rate by sleeping when it runs ahead. 0 means no limit. */
public final class Throttle {

    private final long bytesPerSecond;
    private final long startNanos = System.nanoTime();
    private long bytes;

    public Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Accounts for {@code n} more bytes, sleeping as long as the rate asks. */
    public void pass(long n) throws InterruptedIOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        bytes += n;
        long dueNanos = startNanos + bytes * 1_000_000_000L / bytesPerSecond;
        long aheadNanos = dueNanos - System.nanoTime();
        if (aheadNanos > 0) {
            try {
                Thread.sleep(aheadNanos / 1_000_000, (int) (aheadNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("clone interrupted");
            }
        }
    }
}
