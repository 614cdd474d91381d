package io.blockshift.activities.libvirt;

/**
 * The libvirt flags blockshift passes, with libvirt's values (libvirt-java's constants are not
 * final, so they are spelled out here), each tagged with the call family it belongs to.
 */
enum LibvirtFlag {
    /** No snapshot metadata: the snapshot only grows the chain. */
    SNAPSHOT_NO_METADATA("virDomainSnapshotCreateFlags", 4),
    /** Disk state only, no memory: the guest keeps running. */
    SNAPSHOT_DISK_ONLY("virDomainSnapshotCreateFlags", 16),
    /** All disks switch or none do. */
    SNAPSHOT_ATOMIC("virDomainSnapshotCreateFlags", 128),

    /** Copy only the top image; the destination's own backing chain supplies the rest. */
    COPY_SHALLOW("virDomainBlockCopyFlags", 1),
    /** Use the destination file as it is, with the backing chain it records. */
    COPY_REUSE_EXT("virDomainBlockCopyFlags", 2),
    /** Allow the copy on a persistent domain; the job does not survive a libvirtd restart. */
    COPY_TRANSIENT_JOB("virDomainBlockCopyFlags", 4),
    /** Write-blocking mode: each guest write completes only once it reached the destination too. */
    COPY_SYNCHRONOUS_WRITES("virDomainBlockCopyFlags", 8),

    /** Commit the top image into its immediate backing file only. */
    COMMIT_SHALLOW("virDomainBlockCommitFlags", 1),
    /** The top is the active layer: the job waits in READY until pivoted. */
    COMMIT_ACTIVE("virDomainBlockCommitFlags", 4),
    /** The bandwidth argument is in bytes/s rather than MiB/s. */
    COMMIT_BANDWIDTH_BYTES("virDomainBlockCommitFlags", 16),

    /** Finish a READY copy or active commit by switching the guest to the new image. */
    ABORT_PIVOT("virDomainBlockJobAbortFlags", 2),

    /** The persistent definition rather than the running one. */
    XML_INACTIVE("virDomainXMLFlags", 2),
    /** Include secrets (graphics passwords): XML that is defined again must keep them. */
    XML_SECURE("virDomainXMLFlags", 1),

    /** Forget the snapshot without touching any file. */
    SNAPSHOT_DELETE_METADATA_ONLY("virDomainSnapshotDeleteFlags", 2),

    /** The running domain only; its persistent definition is left as it is. */
    AFFECT_LIVE("virDomainModificationImpact", 1),

    /** Clone the volume by a copy-on-write reflink (FICLONE) of the whole file, or fail: never a copy. */
    VOL_CREATE_REFLINK("virStorageVolCreateFlags", 2),

    /** Only the domains that are running (or paused). */
    LIST_ACTIVE("virConnectListAllDomainsFlags", 1),
    /** Only the domains with a persistent definition. */
    LIST_PERSISTENT("virConnectListAllDomainsFlags", 4),

    /** Metadata as an XML element in the application's own namespace. */
    METADATA_ELEMENT("virDomainMetadataType", 2);

    private final String family;
    private final int bit;

    LibvirtFlag(String family, int bit) {
        this.family = family;
        this.bit = bit;
    }

    /** The flags or'ed together, as one libvirt call takes them: all of one family. */
    static int of(LibvirtFlag... flags) {
        int bits = 0;
        for (LibvirtFlag flag : flags) {
            if (!flag.family.equals(flags[0].family)) {
                throw new IllegalArgumentException(flag + " is not one of " + flags[0].family);
            }
            bits |= flag.bit;
        }
        return bits;
    }
}
