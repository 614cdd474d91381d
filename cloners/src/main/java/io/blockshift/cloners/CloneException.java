package io.blockshift.cloners;

import java.io.IOException;

/** A clone that failed, and whether trying again could help. */
public class CloneException extends IOException {

    public enum Kind {
        /** This cloner cannot work here (no reflink on this filesystem, say): pick another. */
        NOT_SUPPORTED(false),
        /** The target filesystem is full. */
        NO_SPACE(false),
        /** The source is gone or unreadable. */
        SOURCE_UNAVAILABLE(false),
        /** Something else created the target while we were cloning. */
        TARGET_EXISTS(false),
        /** The bytes read and the bytes written do not match. */
        VERIFICATION_FAILED(true),
        /** An I/O error that may pass. */
        IO(true);

        public final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }
    }

    private final Kind kind;

    public CloneException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CloneException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind.retryable;
    }
}
