package io.blockshift.activities.libvirt;

/** A block job that ended (failed or was canceled) before it reached READY. */
public class BlockJobFailedException extends RuntimeException {
    public BlockJobFailedException(String message) {
        super(message);
    }
}
