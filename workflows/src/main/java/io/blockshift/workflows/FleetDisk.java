package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One disk of a fleet once resolved: what its child {@code MigrateDisk} gets and what the window counts.
 *
 * @param index the disk's position in the fleet's list
 * @param request the child's input
 * @param workflowId the child's workflow ID, from host, domain UUID and disk
 * @param domainKey host and domain UUID: disks with the same key move one at a time
 * @param hostKey the host the limit {@code maxPerHost} counts
 * @param targetDir the directory the limit {@code maxPerTarget} counts
 * @param size the source's size in bytes
 * @param runId the child's run ID, kept when the run that started it continues as new; null before
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FleetDisk(int index, MigrateDiskRequest request, String workflowId, String domainKey, String hostKey,
        String targetDir, long size, String runId) {

    FleetDisk withRunId(String runId) {
        return new FleetDisk(index, request, workflowId, domainKey, hostKey, targetDir, size, runId);
    }

    String describe() {
        return "#" + index + " " + request.domain + "/" + request.disk;
    }
}
