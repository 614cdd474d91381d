package io.blockshift.workflows;

import java.util.List;

/**
 * Everything preflight resolved, so every later step acts on the same files whatever happens to the
 * request's wording: the chain is A (source) &lt;- A' (top) until B (target) &lt;- B' (overlay) takes over.
 *
 * @param connectUri libvirt connection URI
 * @param domainName the domain's name
 * @param domainUuid the domain's UUID, which every step looks the domain up by
 * @param persistent whether the domain has a persistent definition (blockcopy then needs a transient job)
 * @param diskTarget the disk's target dev, such as {@code vda}
 * @param source A: the current base image
 * @param sourceFormat A's format, {@code raw} or {@code qcow2}
 * @param sourceSize A's size in bytes (file length)
 * @param sourceAllocated bytes A allocates on disk
 * @param top A': the snapshot overlay the guest writes to while A is copied, beside the target
 * @param target B: the new base image
 * @param partialTarget where the cloner writes B before it is renamed into place
 * @param overlay B': the empty qcow2 over B that the mirror fills
 * @param cloner the cloner chosen for step 2
 * @param clonerReason why that cloner
 * @param bandwidthBytesPerSecond limit for the copy and block jobs; 0 for none
 * @param keepSource keep A at the end
 * @param verify checksum the clone even where the cloner would skip it
 * @param chain what happens to the backing chain under A ({@link ChainMode#COPY} in plans recorded before chains moved)
 * @param backing A's backing images, nearest first; empty when A has none (and in plans recorded before chains moved)
 * @param deleteUnusedBacking delete, at clean-up, the old backing images nothing on the host uses any more
 * @param convergenceSeconds how long a block job may go without its remaining bytes setting a new
 *     minimum before blockshift acts (see README, "Guests that write faster than the copy"); 0, as
 *     in plans recorded before this field, means {@link MigrateDiskRequest#DEFAULT_CONVERGENCE_SECONDS}
 * @param inactive the domain is shut off: B is a copy of A and the domain is redefined on it, with
 *        no snapshot and no block job (see {@code ColdMove}); false in histories recorded before it
 */
public record MigrationPlan(
        String connectUri,
        String domainName,
        String domainUuid,
        boolean persistent,
        String diskTarget,
        String source,
        String sourceFormat,
        long sourceSize,
        long sourceAllocated,
        String top,
        String target,
        String partialTarget,
        String overlay,
        String cloner,
        String clonerReason,
        long bandwidthBytesPerSecond,
        boolean keepSource,
        boolean verify,
        ChainMode chain,
        List<BackingLayer> backing,
        boolean deleteUnusedBacking,
        long convergenceSeconds,
        boolean inactive) {

    /** Missing in plans recorded before chains moved (such a plan's A has no backing chain) or before convergence. */
    public MigrationPlan {
        chain = chain == null ? ChainMode.COPY : chain;
        backing = backing == null ? List.of() : List.copyOf(backing);
        if (convergenceSeconds <= 0) {
            convergenceSeconds = MigrateDiskRequest.DEFAULT_CONVERGENCE_SECONDS;
        }
    }

    /** A plan with the default convergence window. */
    public MigrationPlan(String connectUri, String domainName, String domainUuid, boolean persistent, String diskTarget,
            String source, String sourceFormat, long sourceSize, long sourceAllocated, String top, String target,
            String partialTarget, String overlay, String cloner, String clonerReason, long bandwidthBytesPerSecond,
            boolean keepSource, boolean verify, ChainMode chain, List<BackingLayer> backing, boolean deleteUnusedBacking) {
        this(connectUri, domainName, domainUuid, persistent, diskTarget, source, sourceFormat, sourceSize,
                sourceAllocated, top, target, partialTarget, overlay, cloner, clonerReason, bandwidthBytesPerSecond,
                keepSource, verify, chain, backing, deleteUnusedBacking, MigrateDiskRequest.DEFAULT_CONVERGENCE_SECONDS, false);
    }

    /** A plan for a disk whose A has no backing file. */
    public MigrationPlan(String connectUri, String domainName, String domainUuid, boolean persistent, String diskTarget,
            String source, String sourceFormat, long sourceSize, long sourceAllocated, String top, String target,
            String partialTarget, String overlay, String cloner, String clonerReason, long bandwidthBytesPerSecond,
            boolean keepSource, boolean verify, long convergenceSeconds) {
        this(connectUri, domainName, domainUuid, persistent, diskTarget, source, sourceFormat, sourceSize,
                sourceAllocated, top, target, partialTarget, overlay, cloner, clonerReason, bandwidthBytesPerSecond,
                keepSource, verify, ChainMode.COPY, List.of(), false, convergenceSeconds, false);
    }

    /** A plan for a disk whose A has no backing file, with the default convergence window; shut off when {@code inactive}. */
    public MigrationPlan(String connectUri, String domainName, String domainUuid, boolean persistent, String diskTarget,
            String source, String sourceFormat, long sourceSize, long sourceAllocated, String top, String target,
            String partialTarget, String overlay, String cloner, String clonerReason, long bandwidthBytesPerSecond,
            boolean keepSource, boolean verify, boolean inactive) {
        this(connectUri, domainName, domainUuid, persistent, diskTarget, source, sourceFormat, sourceSize,
                sourceAllocated, top, target, partialTarget, overlay, cloner, clonerReason, bandwidthBytesPerSecond,
                keepSource, verify, ChainMode.COPY, List.of(), false, MigrateDiskRequest.DEFAULT_CONVERGENCE_SECONDS,
                inactive);
    }

    /** A plan for a disk whose A has no backing file, with the default convergence window. */
    public MigrationPlan(String connectUri, String domainName, String domainUuid, boolean persistent, String diskTarget,
            String source, String sourceFormat, long sourceSize, long sourceAllocated, String top, String target,
            String partialTarget, String overlay, String cloner, String clonerReason, long bandwidthBytesPerSecond,
            boolean keepSource, boolean verify) {
        this(connectUri, domainName, domainUuid, persistent, diskTarget, source, sourceFormat, sourceSize,
                sourceAllocated, top, target, partialTarget, overlay, cloner, clonerReason, bandwidthBytesPerSecond,
                keepSource, verify, MigrateDiskRequest.DEFAULT_CONVERGENCE_SECONDS);
    }

    /** Whether A has backing images below it. */
    public boolean hasBacking() {
        return !backing.isEmpty();
    }

    /** The backing file B names once the clone step is done, or null when B stands alone. */
    public String targetBacking() {
        if (backing.isEmpty() || chain == ChainMode.FLATTEN) {
            return null;
        }
        return chain == ChainMode.COPY ? backing.get(0).copy() : backing.get(0).path();
    }
}
