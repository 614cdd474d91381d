package io.blockshift.cloners;

/**
 * What a clone did, recorded in the workflow history.
 *
 * @param cloner the cloner's name
 * @param size the target's size in bytes (equal to the source's)
 * @param bytesCopied bytes this attempt wrote or cloned (less than {@code size} after a resume or
 *     when holes were skipped)
 * @param checksumAlgorithm the hash used, or null when no checksum was taken
 * @param sourceChecksum hash of the source's bytes, or null
 * @param targetChecksum hash of the target's bytes, or null
 */
public record CloneResult(
        String cloner,
        long size,
        long bytesCopied,
        String checksumAlgorithm,
        String sourceChecksum,
        String targetChecksum) {
}
