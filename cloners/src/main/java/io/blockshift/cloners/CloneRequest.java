package io.blockshift.cloners;

import java.nio.file.Path;

/**
 * What to clone.
 *
 * @param source the base image; it does not change while the clone runs
 * @param target the file to create (absolute); exists only when {@code resumeOffset > 0}
 * @param bandwidthBytesPerSecond at most this many bytes a second; 0 for no limit
 * @param resumeOffset the offset up to which an earlier attempt made {@code target} durable
 * @param verify whether to checksum what was read and what was written, even where the cloner
 *     would skip it (a reflink shares the very blocks). The plain and sparse cloners always
 *     checksum (the bytes pass through them anyway); reflink and command only when this is true.
 *     {@link #of} sets it; {@code withVerify(false)} means "verify unless it is cheap to skip".
 */
public record CloneRequest(Path source, Path target, long bandwidthBytesPerSecond, long resumeOffset, boolean verify) {

    public static CloneRequest of(Path source, Path target) {
        return new CloneRequest(source, target, 0, 0, true);
    }

    public CloneRequest withResumeOffset(long offset) {
        return new CloneRequest(source, target, bandwidthBytesPerSecond, offset, verify);
    }

    public CloneRequest withBandwidth(long bytesPerSecond) {
        return new CloneRequest(source, target, bytesPerSecond, resumeOffset, verify);
    }

    public CloneRequest withVerify(boolean verify) {
        return new CloneRequest(source, target, bandwidthBytesPerSecond, resumeOffset, verify);
    }
}
