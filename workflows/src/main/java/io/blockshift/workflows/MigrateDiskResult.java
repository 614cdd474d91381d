package io.blockshift.workflows;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * The result of {@code MigrateDisk}: a plain JSON object.
 *
 * @param domain the domain's name
 * @param disk the disk's target dev
 * @param source A, the old base image
 * @param target B, the new base image the guest now runs on
 * @param cloner the cloner that copied A to B
 * @param clonerReason why that cloner
 * @param bytesCopied bytes the cloner copied
 * @param checksumAlgorithm the hash that verified the copy, or null
 * @param checksum A's and B's checksum (equal), or null
 * @param sourceKept whether A was kept
 * @param stepMillis how long each step took, in order
 * @param cancelIgnored a cancel that came after the point of no return, when the migration rolled forward
 * @param unneededBacking the old chain's backing images the moved disk no longer needs, whether anything still uses
 *     them and whether they were deleted; empty for a disk without a backing chain
 * @param convergence by step ({@code mirror}, {@code commit}), what a block job needed to converge while the
 *     guest wrote faster than it copied; empty when none needed anything (null in results from before this field)
 */
public record MigrateDiskResult(
        String domain,
        String disk,
        String source,
        String target,
        String cloner,
        String clonerReason,
        long bytesCopied,
        String checksumAlgorithm,
        String checksum,
        boolean sourceKept,
        LinkedHashMap<String, Long> stepMillis,
        boolean cancelIgnored,
        List<UnneededBacking> unneededBacking,
        LinkedHashMap<String, ConvergenceReport> convergence) {

    public MigrateDiskResult {
        unneededBacking = unneededBacking == null ? List.of() : List.copyOf(unneededBacking);
    }

    /** A result whose block jobs converged by themselves. */
    public MigrateDiskResult(String domain, String disk, String source, String target, String cloner,
            String clonerReason, long bytesCopied, String checksumAlgorithm, String checksum, boolean sourceKept,
            LinkedHashMap<String, Long> stepMillis, boolean cancelIgnored, List<UnneededBacking> unneededBacking) {
        this(domain, disk, source, target, cloner, clonerReason, bytesCopied, checksumAlgorithm, checksum, sourceKept,
                stepMillis, cancelIgnored, unneededBacking, new LinkedHashMap<>());
    }

    /** A result of a disk without a backing chain. */
    public MigrateDiskResult(String domain, String disk, String source, String target, String cloner,
            String clonerReason, long bytesCopied, String checksumAlgorithm, String checksum, boolean sourceKept,
            LinkedHashMap<String, Long> stepMillis, boolean cancelIgnored, LinkedHashMap<String, ConvergenceReport> convergence) {
        this(domain, disk, source, target, cloner, clonerReason, bytesCopied, checksumAlgorithm, checksum, sourceKept,
                stepMillis, cancelIgnored, List.of(), convergence);
    }

    /** A result of a disk without a backing chain whose block jobs converged by themselves. */
    public MigrateDiskResult(String domain, String disk, String source, String target, String cloner,
            String clonerReason, long bytesCopied, String checksumAlgorithm, String checksum, boolean sourceKept,
            LinkedHashMap<String, Long> stepMillis, boolean cancelIgnored) {
        this(domain, disk, source, target, cloner, clonerReason, bytesCopied, checksumAlgorithm, checksum, sourceKept,
                stepMillis, cancelIgnored, List.of(), new LinkedHashMap<>());
    }

    public long totalMillis() {
        return stepMillis.values().stream().mapToLong(Long::longValue).sum();
    }
}
