package io.blockshift.worker;

import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The real activities, with hooks around each step: a test writes as the guest would at a chosen
 * moment, or injects a failure after a step has really run (the worst moment to fail).
 */
final class HookedActivities implements MigrationActivities {

    interface Hook {
        void run() throws Exception;
    }

    private final MigrationActivities real;
    private final Map<String, Hook> before = new HashMap<>();
    private final Map<String, Hook> after = new HashMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    private String failAfter;
    private boolean twice;

    HookedActivities(MigrationActivities real) {
        this.real = real;
    }

    HookedActivities before(String step, Hook hook) {
        before.put(step, hook);
        return this;
    }

    HookedActivities after(String step, Hook hook) {
        after.put(step, hook);
        return this;
    }

    /** Makes {@code step} fail, non-retryably, once it has done its work. */
    HookedActivities failAfter(String step) {
        this.failAfter = step;
        return this;
    }

    /** Runs every step twice, as a retry after a crash right after the step's work would. */
    HookedActivities everyStepTwice() {
        this.twice = true;
        return this;
    }

    private <T> T around(String step, Supplier<T> body) {
        calls.add(step);
        runHook(before.get(step));
        T result = body.get();
        if (twice) {
            result = body.get();
        }
        runHook(after.get(step));
        if (step.equals(failAfter)) {
            throw ApplicationFailure.newNonRetryableFailure("injected failure after " + step, "InjectedFailure");
        }
        return result;
    }

    private void around(String step, Runnable body) {
        around(step, () -> {
            body.run();
            return null;
        });
    }

    private static void runHook(Hook hook) {
        if (hook == null) {
            return;
        }
        try {
            hook.run();
        } catch (Exception e) {
            throw new IllegalStateException("test hook failed: " + e.getMessage(), e);
        }
    }

    @Override
    public MigrationPlan preflight(MigrateDiskRequest request) {
        return around("preflight", () -> real.preflight(request));
    }

    @Override
    public void snapshot(MigrationPlan plan) {
        around("snapshot", () -> real.snapshot(plan));
    }

    @Override
    public void revertSnapshot(MigrationPlan plan) {
        around("revertSnapshot", () -> real.revertSnapshot(plan));
    }

    @Override
    public CloneReport cloneBase(MigrationPlan plan) {
        return around("cloneBase", () -> real.cloneBase(plan));
    }

    @Override
    public void deleteBase(MigrationPlan plan) {
        around("deleteBase", () -> real.deleteBase(plan));
    }

    @Override
    public void createOverlay(MigrationPlan plan) {
        around("createOverlay", () -> real.createOverlay(plan));
    }

    @Override
    public void deleteOverlay(MigrationPlan plan) {
        around("deleteOverlay", () -> real.deleteOverlay(plan));
    }

    @Override
    public BlockJobReport mirrorToOverlay(MigrationPlan plan) {
        return around("mirrorToOverlay", () -> real.mirrorToOverlay(plan));
    }

    @Override
    public void abortMirror(MigrationPlan plan) {
        around("abortMirror", () -> real.abortMirror(plan));
    }

    @Override
    public Layer activeLayer(MigrationPlan plan) {
        return around("activeLayer", () -> real.activeLayer(plan));
    }

    @Override
    public BlockJobReport commitOverlay(MigrationPlan plan) {
        return around("commitOverlay", () -> real.commitOverlay(plan));
    }

    @Override
    public CleanupReport cleanup(MigrationPlan plan) {
        return around("cleanup", () -> real.cleanup(plan));
    }

    @Override
    public void holdSource(MigrationPlan plan) {
        around("holdSource", () -> real.holdSource(plan));
    }

    @Override
    public void releaseSource(MigrationPlan plan) {
        around("releaseSource", () -> real.releaseSource(plan));
    }

    @Override
    public void defineOnTarget(MigrationPlan plan) {
        around("defineOnTarget", () -> real.defineOnTarget(plan));
    }
}
