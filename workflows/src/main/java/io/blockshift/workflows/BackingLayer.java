package io.blockshift.workflows;

/**
 * One backing image under the disk's base image A, as preflight found it, nearest A first.
 *
 * @param path the image's absolute path
 * @param format its format, {@code raw} or {@code qcow2}
 * @param virtualSize the size the guest sees, in bytes
 * @param allocated bytes it allocates on disk
 * @param copy where {@link ChainMode#COPY} puts (or finds) its copy in the target's directory; null for the other modes
 */
public record BackingLayer(String path, String format, long virtualSize, long allocated, String copy) {
}
