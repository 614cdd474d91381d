package io.blockshift.workflows;

import java.util.List;

/**
 * What step 6 removed and kept.
 *
 * @param deleted files removed
 * @param kept files kept on purpose (A with keepSource)
 * @param snapshotMetadataDeleted stale snapshot metadata removed
 */
public record CleanupReport(List<String> deleted, List<String> kept, List<String> snapshotMetadataDeleted) {
}
