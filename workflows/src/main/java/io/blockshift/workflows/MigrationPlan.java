package io.blockshift.workflows;

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
        boolean inactive) {
}
