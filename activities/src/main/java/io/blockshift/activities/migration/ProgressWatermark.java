package io.blockshift.activities.migration;

import java.time.Duration;

/**
 * Whether a block job converges, by KubeVirt's progress watermark: the job's remaining bytes
 * ({@code end - cur}) must set a new minimum at least once every window. A job whose guest dirties
 * data as fast as it is copied keeps a steady (or growing) remainder and never sets one; a job
 * that is catching up sets one with almost every look, however slowly. The time is fed in, so the
 * rule is tested without a clock.
 *
 * <p>Looks before the job has copied anything ({@code cur} 0, or libvirt's placeholder figures of
 * at most one byte) set no minimum: QEMU is still counting what to copy then, and {@code end}
 * grows from nothing to the whole backlog, so such a minimum would be one no copy can ever beat.
 * They do start the window, so a job that copies nothing for a whole window is not converging.
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
            lowestAt = nowNanos;
        }
        lastAt = nowNanos;
        lastCur = cur;
        boolean copying = cur > 0 && end > 1;
        if (copying && remaining < lowest) {
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

    /** The lowest remainder for people: "N bytes left at best", or that the job had copied nothing yet. */
    String lowestInWords() {
        return lowest == Long.MAX_VALUE ? "no bytes copied yet" : lowest + " bytes left at best";
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
