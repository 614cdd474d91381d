package io.blockshift.workflows;

/**
 * What step 2 did, recorded in the history.
 *
 * @param cloner the cloner that ran
 * @param reason why that cloner
 * @param size B's size in bytes
 * @param bytesCopied bytes this attempt copied
 * @param resumedFrom the offset the last attempt resumed from (0 when it started afresh)
 * @param checksumAlgorithm hash used, or null when the copy was not checksummed
 * @param sourceChecksum hash of A's bytes
 * @param targetChecksum hash of B's bytes
 */
public record CloneReport(
        String cloner,
        String reason,
        long size,
        long bytesCopied,
        long resumedFrom,
        String checksumAlgorithm,
        String sourceChecksum,
        String targetChecksum) {
}
