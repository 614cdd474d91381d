package io.blockshift.activities.migration;

import java.time.Duration;

/**
 * Whether a block job converges, by KubeVirt's progress watermark: the job's remaining bytes
 * ({@code end - cur}) must set a new minimum at least once every window. A job whose guest dirties
 * data as fast as it is copied keeps a steady (or growing) remainder and never sets one; a job
 * that is catching up sets one with almost every look, however slowly. The time is fed in, so the
 * rule is tested without a clock.
 */
final class ProgressWatermark {

    private final long windowNanos;
    private long lowest = Long.MAX_VALUE;
    private long lowestAt;
    private long firstAt;
    private long firstCur;
    private long lastAt;
    private long lastCur;
    private boolean seen;

    ProgressWatermark(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the convergence window must be positive: " + window);
        }
        this.windowNanos = window.toNanos();
    }

    /**
     * Records one look at the job at {@code nowNanos} (any monotonic clock, such as
     * {@link System#nanoTime()}) and answers whether it still converges: false once the remainder
     * has set no new minimum for a whole window since the lowest one was seen.
     */
    boolean converging(long cur, long end, long nowNanos) {
        long remaining = Math.max(0, end - cur);
        if (!seen) {
            seen = true;
            firstAt = nowNanos;
            firstCur = cur;
        }
        lastAt = nowNanos;
        lastCur = cur;
        if (remaining < lowest) {
            lowest = remaining;
            lowestAt = nowNanos;
            return true;
        }
        return nowNanos - lowestAt < windowNanos;
    }

    /** The lowest remainder seen so far, in bytes; {@link Long#MAX_VALUE} before the first look. */
    long lowest() {
        return lowest;
    }

    /**
     * How fast the job copied since the first look, bytes a second, from its {@code cur} figure
     * (which counts every byte copied, including those the guest dirtied again); 0 until two looks
     * a moment apart.
     */
    long copiedBytesPerSecond() {
        long nanos = lastAt - firstAt;
        return nanos <= 0 ? 0 : (long) ((lastCur - firstCur) * 1e9 / nanos);
    }
}
