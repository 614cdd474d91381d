package io.blockshift.workflows;

import io.temporal.activity.ActivityInterface;

/**
 * One activity per step of the procedure, and one per compensation. Every one is safe to run again
 * after a crash: it looks at what is already done before it acts. Refusals and failures a retry
 * cannot mend are non-retryable {@code ApplicationFailure}s whose message says what to do.
 */
@ActivityInterface
public interface MigrationActivities {

    /** Checks everything before anything changes, and resolves the paths every step uses. */
    MigrationPlan preflight(MigrateDiskRequest request);

    /** Step 1: external disk-only snapshot A &lt;- A' of this disk alone; the guest now writes to A'. */
    void snapshot(MigrationPlan plan);

    /** Undoes step 1: commits A' back into A, pivots the guest onto A, deletes A'. */
    void revertSnapshot(MigrationPlan plan);

    /** Step 2: clones A to B with the plan's cloner. Heartbeats its progress and resume offset. */
    CloneReport cloneBase(MigrationPlan plan);

    /** Undoes step 2: deletes B and any partial B. */
    void deleteBase(MigrationPlan plan);

    /** Step 3: creates the empty qcow2 B' backed by B. */
    void createOverlay(MigrationPlan plan);

    /** Undoes step 3: deletes B'. */
    void deleteOverlay(MigrationPlan plan);

    /** Step 4: shallow blockcopy of A' into B', pivoted onto B' once READY. The point of no return. */
    BlockJobReport mirrorToOverlay(MigrationPlan plan);

    /** Undoes a step 4 that did not pivot: ends the mirror, the guest stays on A'. */
    void abortMirror(MigrationPlan plan);

    /** Which layer the guest's disk runs on now. */
    Layer activeLayer(MigrationPlan plan);

    /** Step 5: active shallow blockcommit of B' into B, pivoted once READY: the guest runs on B alone. */
    BlockJobReport commitOverlay(MigrationPlan plan);

    /** Step 6: deletes A (unless kept), A', B' and stale snapshot metadata. */
    CleanupReport cleanup(MigrationPlan plan);
}
