package io.blockshift.workflows;

import static org.mockito.ArgumentMatchers.any;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Test data: one request, the plan preflight resolves for it, and what each activity reports. */
final class Fixtures {

    static final String DOMAIN = "vm1";
    static final String DISK = "vda";
    static final String SOURCE = "/old/vm1-vda.img";
    static final String TOP = "/new/vm1-vda.top.qcow2";
    static final String TARGET = "/new/vm1-vda.img";
    static final String OVERLAY = "/new/vm1-vda.overlay.qcow2";
    static final String CLONER = "sparse";
    static final String CHECKSUM = "3b1f0c9a";

    static final MigrationPlan PLAN = new MigrationPlan(
            "qemu:///system", DOMAIN, "6f1c2d3e-0000-4000-8000-000000000001", true, DISK,
            SOURCE, "raw", 10L << 30, 3L << 30, TOP, TARGET, TARGET + ".partial", OVERLAY,
            CLONER, "source is sparse", 0, false, false, false);

    /** The plan of the same disk of a shut-off domain: moved by copy and a define. */
    static final MigrationPlan SHUT_OFF_PLAN = new MigrationPlan(
            "qemu:///system", DOMAIN, "6f1c2d3e-0000-4000-8000-000000000001", true, DISK,
            SOURCE, "raw", 10L << 30, 3L << 30, TOP, TARGET, TARGET + ".partial", OVERLAY,
            CLONER, "source is sparse", 0, false, false, true);

    static final CloneReport CLONE = clone(CHECKSUM, CHECKSUM);
    static final BlockJobReport MIRROR = new BlockJobReport("copy", 64L << 20, 1500, 1, false);
    static final BlockJobReport COMMIT = new BlockJobReport("active-commit", 64L << 20, 900, 1, false);
    static final CleanupReport CLEANUP = new CleanupReport(List.of(SOURCE, TOP, OVERLAY), List.of(), List.of());

    private Fixtures() {
    }

    /** The keys of {@link MigrateDiskResult#stepMillis()} and of the status' stepsDone after a migration. */
    static final List<String> STEP_NAMES = List.of("preflight", "snapshot", "clone", "overlay", "mirror", "commit", "cleanup");

    static MigrateDiskRequest request() {
        return new MigrateDiskRequest(DOMAIN, DISK, TARGET);
    }

    static CloneReport clone(String sourceChecksum, String targetChecksum) {
        return new CloneReport(CLONER, "source is sparse", 10L << 30, 3L << 30, 0, "xxh3", sourceChecksum, targetChecksum);
    }

    /** For {@code @MethodSource}: each step before the pivot. */
    static Stream<Arguments> stepsBeforePivot() {
        return Call.STEPS_BEFORE_PIVOT.stream().map(Arguments::of);
    }

    /**
     * The calls a migration makes when {@code failed} fails or is canceled before the pivot: the
     * steps up to it, the layer check, then the compensation of every step started (the failed
     * one's too, since each is added before its step), last first.
     */
    static List<Call> callsOfRollBackAt(Call failed) {
        List<Call> upToFailed = Call.HAPPY_PATH.subList(0, Call.HAPPY_PATH.indexOf(failed) + 1);
        List<Call> started = upToFailed.subList(1, upToFailed.size());
        List<Call> calls = new ArrayList<>(upToFailed);
        calls.add(Call.ACTIVE_LAYER);
        for (int i = started.size() - 1; i >= 0; i--) {
            calls.add(started.get(i).compensation());
        }
        return calls;
    }

    /** One method of {@link MigrationActivities}, to stub or verify by name. */
    enum Call {
        PREFLIGHT(a -> a.preflight(any()), PLAN),
        SNAPSHOT(a -> a.snapshot(any()), null),
        REVERT_SNAPSHOT(a -> a.revertSnapshot(any()), null),
        CLONE_BASE(a -> a.cloneBase(any()), CLONE),
        DELETE_BASE(a -> a.deleteBase(any()), null),
        CREATE_OVERLAY(a -> a.createOverlay(any()), null),
        DELETE_OVERLAY(a -> a.deleteOverlay(any()), null),
        MIRROR(a -> a.mirrorToOverlay(any()), Fixtures.MIRROR),
        ABORT_MIRROR(a -> a.abortMirror(any()), null),
        /** Before the pivot the guest writes to A'. */
        ACTIVE_LAYER(a -> a.activeLayer(any()), Layer.TOP),
        COMMIT(a -> a.commitOverlay(any()), Fixtures.COMMIT),
        CLEANUP(a -> a.cleanup(any()), Fixtures.CLEANUP),
        HOLD_SOURCE(a -> a.holdSource(any()), null),
        RELEASE_SOURCE(a -> a.releaseSource(any()), null),
        DEFINE(a -> a.defineOnTarget(any()), null);

        /** Every call of a migration that succeeds, in order. */
        static final List<Call> HAPPY_PATH = List.of(PREFLIGHT, SNAPSHOT, CLONE_BASE, CREATE_OVERLAY, MIRROR, COMMIT, CLEANUP);
        /** Every call of a shut-off domain's move that succeeds, in order. */
        static final List<Call> SHUT_OFF_PATH = List.of(PREFLIGHT, HOLD_SOURCE, CLONE_BASE, DEFINE, CLEANUP);
        /** The steps of the happy path that run as local activities on the workflow's own queue. */
        static final List<Call> LOCAL_STEPS = List.of(SNAPSHOT, CREATE_OVERLAY, CLEANUP);



        /** A migration whose mirror failed or was canceled after the guest pivoted onto B': rolled forward. */
        static final List<Call> ROLLED_FORWARD_AFTER_MIRROR = List.of(PREFLIGHT, SNAPSHOT, CLONE_BASE, CREATE_OVERLAY,
                MIRROR, ACTIVE_LAYER, COMMIT, CLEANUP);

        /** The steps before the pivot, in the order the workflow runs them. */
        static final List<Call> STEPS_BEFORE_PIVOT = List.of(SNAPSHOT, CLONE_BASE, CREATE_OVERLAY, MIRROR);

        private final Consumer<MigrationActivities> invocation;
        /** What the call returns on the happy path; null for void methods. */
        final Object happyResult;

        Call(Consumer<MigrationActivities> invocation, Object happyResult) {
            this.invocation = invocation;
            this.happyResult = happyResult;
        }

        /** Calls this method on {@code target}: a stubbing or verifying proxy from Mockito. */
        void on(MigrationActivities target) {
            invocation.accept(target);
        }

        Call compensation() {
            return switch (this) {
                case SNAPSHOT -> REVERT_SNAPSHOT;
                case CLONE_BASE -> DELETE_BASE;
                case CREATE_OVERLAY -> DELETE_OVERLAY;
                case MIRROR -> ABORT_MIRROR;
                case HOLD_SOURCE -> RELEASE_SOURCE;
                default -> throw new IllegalArgumentException(this + " has no compensation");
            };
        }
    }
}
