package io.blockshift.workflows;

import java.util.ArrayList;
import java.util.List;

/**
 * What a block job needed to converge while the guest wrote faster than it copied, as the history,
 * the result and the audit record it: when it was found not converging (its remaining bytes set no
 * new minimum for {@code convergenceSeconds}) and what was done about it. Times are ISO-8601 UTC,
 * null for what was not done.
 *
 * @param stalledAt when the job was first found not converging
 * @param stalledRemainingBytes the lowest remainder (end - cur) it had reached by then
 * @param writeBlockingAt when the mirror was restarted in write-blocking mode (every guest write
 *     reaches both images before it completes), onto the same B'
 * @param bandwidthLiftedAt when the commit's bandwidth limit was lifted
 * @param throttledAt when the guest's writes to the disk were limited so the commit could catch up
 * @param throttleBytesPerSecond the limit put on the guest's writes, bytes/s; 0 if none
 * @param throttledMillis how long the guest's writes were limited; its own I/O tuning was restored then
 */
public record ConvergenceReport(
        String stalledAt,
        long stalledRemainingBytes,
        String writeBlockingAt,
        String bandwidthLiftedAt,
        String throttledAt,
        long throttleBytesPerSecond,
        long throttledMillis) {

    /** A job found not converging at {@code at} with {@code remaining} bytes left at its lowest. */
    public static ConvergenceReport stalled(String at, long remaining) {
        return new ConvergenceReport(at, remaining, null, null, null, 0, 0);
    }

    public ConvergenceReport writeBlocking(String at) {
        return new ConvergenceReport(stalledAt, stalledRemainingBytes, at, bandwidthLiftedAt, throttledAt,
                throttleBytesPerSecond, throttledMillis);
    }

    public ConvergenceReport bandwidthLifted(String at) {
        return new ConvergenceReport(stalledAt, stalledRemainingBytes, writeBlockingAt, at, throttledAt,
                throttleBytesPerSecond, throttledMillis);
    }

    public ConvergenceReport throttled(String at, long bytesPerSecond, long millis) {
        return new ConvergenceReport(stalledAt, stalledRemainingBytes, writeBlockingAt, bandwidthLiftedAt, at,
                bytesPerSecond, millis);
    }

    /** One line for people: what was found and done, in order. */
    public String describe() {
        List<String> done = new ArrayList<>();
        // libvirt shows a job that has caught up but is not READY as one byte short of its end.
        done.add("not converging at " + stalledAt + " (" + (stalledRemainingBytes <= 1 ? "caught up only for moments"
                : mib(stalledRemainingBytes) + " left at best") + ")");
        if (writeBlockingAt != null) {
            done.add("restarted in write-blocking mode at " + writeBlockingAt);
        }
        if (bandwidthLiftedAt != null) {
            done.add("bandwidth limit lifted at " + bandwidthLiftedAt);
        }
        if (throttledAt != null) {
            done.add("guest writes limited to " + mib(throttleBytesPerSecond) + "/s at " + throttledAt + " for "
                    + throttledMillis + " ms, then its own I/O tuning restored");
        }
        return String.join("; ", done);
    }

    private static String mib(long bytes) {
        return bytes < (1L << 20) ? (bytes + 1023) / 1024 + " KiB" : bytes / (1L << 20) + " MiB";
    }
}
