package io.blockshift.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * One activity per step of the procedure, and one per compensation. Every one is safe to run again
 * after a crash: it looks at what is already done before it acts. Refusals and failures a retry
 * cannot mend are non-retryable {@code ApplicationFailure}s whose message says what to do.
 */
@ActivityInterface
public interface MigrationActivities {

    // The activity types the history records (the SDK's default, the method's name capitalised),
    // named once so that the audit reads them from here.
    String PREFLIGHT = "Preflight";
    String SNAPSHOT = "Snapshot";
    String REVERT_SNAPSHOT = "RevertSnapshot";
    String CLONE_BASE = "CloneBase";
    String DELETE_BASE = "DeleteBase";
    String CREATE_OVERLAY = "CreateOverlay";
    String DELETE_OVERLAY = "DeleteOverlay";
    String MIRROR_TO_OVERLAY = "MirrorToOverlay";
    String ABORT_MIRROR = "AbortMirror";
    String ACTIVE_LAYER = "ActiveLayer";
    String COMMIT_OVERLAY = "CommitOverlay";
    String CLEANUP = "Cleanup";
    String HOLD_SOURCE = "HoldSource";
    String RELEASE_SOURCE = "ReleaseSource";
    String DEFINE_ON_TARGET = "DefineOnTarget";
    /** The compensations: the activities a rollback runs. */
    List<String> COMPENSATIONS = List.of(REVERT_SNAPSHOT, DELETE_BASE, DELETE_OVERLAY, ABORT_MIRROR, RELEASE_SOURCE);

    /** Checks everything before anything changes, and resolves the paths every step uses. */
    @ActivityMethod(name = PREFLIGHT)
    MigrationPlan preflight(MigrateDiskRequest request);

    /** Step 1: external disk-only snapshot A &lt;- A' of this disk alone; the guest now writes to A'. */
    @ActivityMethod(name = SNAPSHOT)
    void snapshot(MigrationPlan plan);

    /** Undoes step 1: commits A' back into A, pivots the guest onto A, deletes A'. */
    @ActivityMethod(name = REVERT_SNAPSHOT)
    void revertSnapshot(MigrationPlan plan);

    /** Step 2: clones A to B with the plan's cloner. Heartbeats its progress and resume offset. */
    @ActivityMethod(name = CLONE_BASE)
    CloneReport cloneBase(MigrationPlan plan);

    /** Undoes step 2: deletes B and any partial B. */
    @ActivityMethod(name = DELETE_BASE)
    void deleteBase(MigrationPlan plan);

    /** Step 3: creates the empty qcow2 B' backed by B. */
    @ActivityMethod(name = CREATE_OVERLAY)
    void createOverlay(MigrationPlan plan);

    /** Undoes step 3: deletes B'. */
    @ActivityMethod(name = DELETE_OVERLAY)
    void deleteOverlay(MigrationPlan plan);

    /** Step 4: shallow blockcopy of A' into B', pivoted onto B' once READY. The point of no return. */
    @ActivityMethod(name = MIRROR_TO_OVERLAY)
    BlockJobReport mirrorToOverlay(MigrationPlan plan);

    /** Undoes a step 4 that did not pivot: ends the mirror, the guest stays on A'. */
    @ActivityMethod(name = ABORT_MIRROR)
    void abortMirror(MigrationPlan plan);

    /** Which layer the guest's disk runs on now. */
    @ActivityMethod(name = ACTIVE_LAYER)
    Layer activeLayer(MigrationPlan plan);

    /** Step 5: active shallow blockcommit of B' into B, pivoted once READY: the guest runs on B alone. */
    @ActivityMethod(name = COMMIT_OVERLAY)
    BlockJobReport commitOverlay(MigrationPlan plan);

    /** Step 6: deletes A (unless kept), A', B' and stale snapshot metadata. */
    @ActivityMethod(name = CLEANUP)
    CleanupReport cleanup(MigrationPlan plan);

    // ---------------------------------------------------------------- a shut-off domain: copy, then define

    /**
     * Cold step 1: claims B, and holds A as QEMU holds an image it reads without sharing writes, so
     * that starting the VM on A fails ("Failed to get "write" lock") until the move is over. Fails
     * for good when the domain started since preflight.
     */
    @ActivityMethod(name = HOLD_SOURCE)
    void holdSource(MigrationPlan plan);

    /** Undoes cold step 1: lets go of A and gives up the claim on B. */
    @ActivityMethod(name = RELEASE_SOURCE)
    void releaseSource(MigrationPlan plan);

    /**
     * Cold step 3, after the clone: defines the shut-off domain again from its persistent XML with
     * the disk on B, then lets go of A. The point of no return. Fails for good, changing nothing,
     * when the domain is running, or A changed since it was held.
     */
    @ActivityMethod(name = DEFINE_ON_TARGET)
    void defineOnTarget(MigrationPlan plan);
}
