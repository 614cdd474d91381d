package io.blockshift.workflows;

/** Which image the guest's disk runs on: the layer that receives its writes. */
public enum Layer {
    /** A alone: before the snapshot, or after a rollback. */
    SOURCE,
    /** A' over A: between the snapshot and the mirror's pivot. */
    TOP,
    /** B' over B: between the mirror's pivot and the commit's pivot. */
    OVERLAY,
    /** B alone: the migration's goal. */
    TARGET,
    /** Something blockshift did not put there. */
    OTHER
}
