package io.blockshift.workflows;

import java.util.List;

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
 * @param backingCopied copies of A's backing images this migration made in the target's directory ({@code chain} copy)
 * @param backingReused copies an earlier migration made there that this one checked and uses
 */
public record CloneReport(
        String cloner,
        String reason,
        long size,
        long bytesCopied,
        long resumedFrom,
        String checksumAlgorithm,
        String sourceChecksum,
        String targetChecksum,
        List<String> backingCopied,
        List<String> backingReused) {

    /** Missing in reports recorded before chains moved. */
    public CloneReport {
        backingCopied = backingCopied == null ? List.of() : List.copyOf(backingCopied);
        backingReused = backingReused == null ? List.of() : List.copyOf(backingReused);
    }

    public CloneReport(String cloner, String reason, long size, long bytesCopied, long resumedFrom,
            String checksumAlgorithm, String sourceChecksum, String targetChecksum) {
        this(cloner, reason, size, bytesCopied, resumedFrom, checksumAlgorithm, sourceChecksum, targetChecksum,
                List.of(), List.of());
    }
}
