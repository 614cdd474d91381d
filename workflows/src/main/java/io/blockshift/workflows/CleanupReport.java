package io.blockshift.workflows;

import java.util.List;

/**
 * What step 6 removed and kept.
 *
 * @param deleted files removed
 * @param kept files kept on purpose (A with keepSource)
 * @param snapshotMetadataDeleted stale snapshot metadata removed
 * @param unneededBacking the old chain's backing images the moved disk no longer needs (empty in reports recorded before chains moved)
 */
public record CleanupReport(List<String> deleted, List<String> kept, List<String> snapshotMetadataDeleted,
        List<UnneededBacking> unneededBacking) {

    public CleanupReport {
        unneededBacking = unneededBacking == null ? List.of() : List.copyOf(unneededBacking);
    }

    public CleanupReport(List<String> deleted, List<String> kept, List<String> snapshotMetadataDeleted) {
        this(deleted, kept, snapshotMetadataDeleted, List.of());
    }
}
