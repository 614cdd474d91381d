package io.blockshift.activities.libvirt;

/** A libvirt call made through JNA ({@link NativeDomain}) failed; the message is libvirt's. */
public final class NativeLibvirtException extends RuntimeException {

    NativeLibvirtException(String message) {
        super(message);
    }
}
