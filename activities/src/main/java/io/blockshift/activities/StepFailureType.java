package io.blockshift.activities;

import io.blockshift.cloners.CloneException;

/**
 * The types of the failures the activities throw besides the workflows' own
 * ({@link io.blockshift.workflows.FailureType}): the one place these strings are written, since the
 * workflow's retry options, the tests and the audit read them.
 */
public enum StepFailureType {
    /** A libvirt call failed (retryable). */
    LIBVIRT("Libvirt"),
    /** A block job ended before it was READY (retryable). */
    BLOCK_JOB_FAILED("BlockJobFailed"),
    /** The activity's thread was interrupted (retryable). */
    INTERRUPTED("Interrupted"),
    /** A path could not be judged (retryable). */
    IO("IO"),
    /** A file at A' that this migration did not make appeared after preflight. */
    TOP_EXISTS("TopExists"),
    /** The plan names a cloner this worker does not have. */
    UNKNOWN_CLONER("UnknownCloner"),
    /** The disk runs on a layer the step did not expect: something else changed it. */
    UNEXPECTED_LAYER("UnexpectedLayer"),
    /** A file to delete is still used by the domain. */
    IN_USE("InUse"),
    /** Another migration holds the target's claim. */
    TARGET_RESERVED("TargetReserved"),
    /** Another migration is still making the copy of a backing image this one would share. */
    LAYER_COPY_BUSY("LayerCopyBusy"),
    /** A file where a backing image's copy goes is not a copy of it. */
    LAYER_COPY_DIFFERS("LayerCopyDiffers"),
    /** A copy through a backing chain does not show the guest what the source does. */
    CHAIN_MISMATCH("ChainMismatch"),
    /** A block job could not catch up on the guest's writes, whatever blockshift did about it. */
    NOT_CONVERGING("NotConverging"),
    /** A shut-off domain's source is in use: the VM started, or another process writes to it. */
    SOURCE_IN_USE("SourceInUse"),
    /** A shut-off domain's source changed while it was copied. */
    SOURCE_CHANGED("SourceChanged");

    /** What a clone failure's type starts with; its {@link CloneException.Kind} follows. */
    private static final String CLONE_PREFIX = "Clone";

    private final String wire;

    StepFailureType(String wire) {
        this.wire = wire;
    }

    /** The failure's type as Temporal records it. */
    public String wire() {
        return wire;
    }

    /** The type of a failed clone of this kind: {@code Clone} and the kind ({@code CloneVERIFICATION_FAILED}). */
    public static String clone(CloneException.Kind kind) {
        return CLONE_PREFIX + kind;
    }

    @Override
    public String toString() {
        return wire;
    }
}
