package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.QemuImg;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.activity.ActivityOptions;
import io.blockshift.workflows.MigrateDiskResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** MigrateDisk end to end: libvirtd + QEMU and a Temporal dev server, guest writes at every stage. */
class MigrateDiskOnLibvirtTest extends LibvirtTemporalTest {

    /** Pattern byte and MiB offset of each write, by the moment it was made. */
    private static final Map<String, int[]> WRITES = Map.of(
            "before the snapshot", new int[] {0x11, 1},
            "after the snapshot", new int[] {0x22, 2},
            "during the copy", new int[] {0x33, 3},
            "between the pivots", new int[] {0x44, 4},
            "after the migration", new int[] {0x55, 5});

    @ParameterizedTest(name = "{0} base")
    @ValueSource(strings = {"raw", "qcow2"})
    void movesTheDiskWithEveryGuestWriteAndLeavesNothingBehind(String format) throws Exception {
        try (TestVm vm = TestVm.start(libvirt, format, 64)) {
            write(vm, "before the snapshot");
            HookedActivities activities = activities(vm.dst)
                    .after("snapshot", () -> write(vm, "after the snapshot"))
                    .before("cloneBase", () -> write(vm, "during the copy"))
                    .after("mirrorToOverlay", () -> write(vm, "between the pivots"));
            String vdbBefore = vm.liveDisk("vdb").source();

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));
            write(vm, "after the migration");

            String target = vm.target().toString();
            assertEquals(target, result.target());
            assertEquals(vm.vda.toString(), result.source());
            assertEquals(List.of("preflight", "snapshot", "clone", "overlay", "mirror", "commit", "cleanup"),
                    List.copyOf(result.stepMillis().keySet()));
            assertNotNull(result.checksum(), "the copy was checksummed");
            Disk live = vm.liveDisk("vda");
            assertEquals(target, live.source(), "live XML names B");
            assertNull(live.backingFile(), "B has no backing file");
            assertEquals(format, live.format());
            assertEquals(target, vm.persistentDisk("vda").source(), "persistent XML names B");
            assertNull(vm.persistentDisk("vda").backingFile());
            assertEquals(vdbBefore, vm.liveDisk("vdb").source(), "the other disk did not move");
            assertEquals(vdbBefore, vm.persistentDisk("vdb").source());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "A, A' and B' are gone");
            for (Map.Entry<String, int[]> write : WRITES.entrySet()) {
                assertTrue(TestVm.holds(vm.target(), format, write.getValue()[0], write.getValue()[1]),
                        "B holds the write made " + write.getKey());
            }
        }
    }

    @Test
    void everyStepRunTwiceAsAfterACrashStillMovesTheDiskOnce() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "qcow2", 64)) {
            write(vm, "before the snapshot");
            HookedActivities activities = activities(vm.dst)
                    .after("snapshot", () -> write(vm, "after the snapshot"))
                    .after("mirrorToOverlay", () -> write(vm, "between the pivots"))
                    .everyStepTwice();

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertNull(vm.liveDisk("vda").backingFile());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            for (String moment : List.of("before the snapshot", "after the snapshot", "between the pivots")) {
                int[] write = WRITES.get(moment);
                assertTrue(TestVm.holds(vm.target(), "qcow2", write[0], write[1]), "B holds the write made " + moment);
            }
        }
    }

    @Test
    void anOverlayStepRetriedAfterLinkingBPrimeIntoPlaceLeavesNoSecondNameOfIt() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            Path overlay = Path.of(vm.target() + ".blockshift-overlay.qcow2");
            Path scratch = Path.of(overlay + ".new");
            AtomicBoolean scratchAfterTheStep = new AtomicBoolean();
            HookedActivities activities = activities(vm.dst)
                    // What an attempt that died between linking B' into place and removing its scratch name left.
                    .before("createOverlay", () -> {
                        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", vm.target().toString(),
                                "-F", "raw", scratch.toString()), Duration.ofMinutes(1));
                        Files.createLink(overlay, scratch);
                    })
                    .after("createOverlay", () -> {
                        scratchAfterTheStep.set(Files.exists(scratch));
                        // Should a second name of B' survive the step all the same, clean-up removes it.
                        if (!Files.exists(scratch)) {
                            Files.createLink(scratch, overlay);
                        }
                    });

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(vm.target().toString(), result.target());
            assertFalse(scratchAfterTheStep.get(), "the retried step removed B''s scratch name");
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "no second name of B' holds its blocks");
        }
    }

    @Test
    void deletingTheCopyHeartbeatsSoASlowDeletionIsNotTimedOutAndRunAgainBesideItself() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            // Preflight outside Temporal, as `blockshift plan` runs it: it only reads.
            MigrationPlan plan = activities(vm.dst).preflight(request(vm, vm.target()));
            Files.writeString(vm.target(), "B");
            Files.writeString(Path.of(plan.partialTarget()), "B, partly");
            TestActivityEnvironment environment = TestActivityEnvironment.newInstance();
            try {
                List<Object> heartbeats = Collections.synchronizedList(new ArrayList<>());
                environment.setActivityHeartbeatListener(Object.class, heartbeats::add);
                environment.registerActivitiesImplementations(activities(vm.dst));
                MigrationActivities steps = environment.newActivityStub(MigrationActivities.class, ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofMinutes(1))
                        .setHeartbeatTimeout(Duration.ofSeconds(10))
                        .build());

                steps.deleteBase(plan);

                assertFalse(heartbeats.isEmpty(), "deleteBase told Temporal it was alive");
                assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "B and its partial name are gone");
            } finally {
                environment.close();
            }
        }
    }

    @Test
    void aSnapshotRetriedOverTheEmptyOverlayLibvirtLeftRemovesItAndMovesTheDisk() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            // What a snapshot leaves when libvirtd dies after creating A' and before switching the guest onto it.
            HookedActivities activities = overlayAtTopBeforeTheSnapshot(vm, vm.vda, "64M");

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x11, 1));
        }
    }

    @Test
    void aFileThatAppearsWhereTheSnapshotGoesIsNeverDeletedAndTheMigrationRollsBack() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            Path top = top(vm);
            // Another migration's A' at the same path, made after this one's preflight: an overlay of another image.
            HookedActivities activities = overlayAtTopBeforeTheSnapshot(vm, vm.vdb, "16M");

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("RolledBack", failure.getType());
            assertTrue(failure.getOriginalMessage().contains(top + " appeared after preflight"), failure.getOriginalMessage());
            assertEquals(1, Collections.frequency(activities.calls, "snapshot"), "not retried: " + activities.calls);
            assertEquals(vm.vdb.toString(), QemuImg.backingFile(top), "the other migration's A' is still there");
            assertEquals(vm.vda.toString(), vm.liveDisk("vda").source(), "the guest runs on A");
            assertEquals(List.of("dst/vda-moved.img.blockshift-top.qcow2", "src/vda.img", "src/vdb.img"), vm.files());
        }
    }

    /** A fault before the pivot: how it is brought about, and what the rollback shows of it besides. */
    private record FaultBeforeThePivot(String name, BiFunction<HookedActivities, TestVm, HookedActivities> inject,
            BiConsumer<ApplicationFailure, HookedActivities> seen) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<FaultBeforeThePivot> faultsBeforeThePivot() {
        Stream<FaultBeforeThePivot> injected = Stream.of("snapshot", "cloneBase", "createOverlay").map(step ->
                new FaultBeforeThePivot("failure after " + step, (activities, vm) -> activities.failAfter(step),
                        (failure, activities) -> assertTrue(
                                failure.getOriginalMessage().contains("injected failure after " + step), failure.getMessage())));
        // A real fault: the overlay vanishes before the blockcopy that should reuse it, so the mirror cannot start.
        FaultBeforeThePivot overlayGone = new FaultBeforeThePivot("a mirror that cannot start",
                (activities, vm) -> activities.before("mirrorToOverlay",
                        () -> Files.deleteIfExists(vm.dst.resolve("vda-moved.img.blockshift-overlay.qcow2"))),
                (failure, activities) -> assertTrue(activities.calls.contains("abortMirror")));
        return Stream.concat(injected, Stream.of(overlayGone));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faultsBeforeThePivot")
    void aFaultBeforeThePivotRollsBackLeavingTheVmOnItsSourceWithAllItsData(FaultBeforeThePivot fault) throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            HookedActivities activities = fault.inject().apply(
                    activities(vm.dst).after("snapshot", () -> write(vm, "after the snapshot")), vm);

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("RolledBack", failure.getType());
            fault.seen().accept(failure, activities);
            assertRolledBack(vm);
        }
    }

    @Test
    void aFailureAfterThePivotRollsForward() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            HookedActivities activities = activities(vm.dst)
                    .after("mirrorToOverlay", () -> write(vm, "between the pivots"))
                    .failAfter("mirrorToOverlay");

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(vm.target().toString(), result.target());
            assertFalse(activities.calls.contains("revertSnapshot"), "no rollback after the pivot");
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x11, 1));
            assertTrue(TestVm.holds(vm.target(), "raw", 0x44, 4));
        }
    }

    @Test
    void aCancelDuringTheCopyStopsItAndRollsBack() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            // 64 MiB at 1 MiB/s: the copy is still running when the cancel comes.
            CountDownLatch copying = new CountDownLatch(1);
            HookedActivities activities = activities(vm.dst)
                    .after("snapshot", () -> write(vm, "after the snapshot"))
                    .before("cloneBase", copying::countDown);
            MigrateDiskRequest request = request(vm, vm.target());
            request.bandwidthMiBps = 1;
            request.cloner = "plain";

            long millis = cancelOnceUnderWay(activities, request, copying, () -> { });

            assertTrue(millis < 10_000, "rolled back " + millis + " ms after the cancel");
            assertRolledBack(vm);
        }
    }

    @Test
    void aCancelDuringTheMirrorAbortsTheBlockJobAndRollsBack() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            write(vm, "before the snapshot");
            // 12 MiB written to A' and a mirror held to 1 MiB/s: the block job is still running when the cancel comes.
            CountDownLatch mirroring = new CountDownLatch(1);
            HookedActivities activities = activities(vm.dst)
                    .after("snapshot", () -> {
                        write(vm, "after the snapshot");
                        for (int mib = 10; mib < 22; mib++) {
                            vm.write(0x66, mib);
                        }
                    })
                    .before("mirrorToOverlay", mirroring::countDown);
            MigrateDiskRequest request = request(vm, vm.target());
            request.bandwidthMiBps = 1;

            cancelOnceUnderWay(activities, request, mirroring,
                    () -> assertTrue(vm.liveDisk("vda").hasMirror(), "the mirror is running"));

            assertTrue(activities.calls.contains("abortMirror"));
            assertRolledBack(vm);
            assertTrue(TestVm.holds(vm.vda, "raw", 0x66, 21), "A holds what the guest wrote while the mirror ran");
        }
    }

    /**
     * Starts {@code request}, waits for {@code underWay} and 1.5 s more, runs {@code beforeTheCancel},
     * cancels, and asserts that the migration ends canceled; returns the milliseconds from the cancel
     * to that end.
     */
    private static long cancelOnceUnderWay(HookedActivities activities, MigrateDiskRequest request,
            CountDownLatch underWay, HookedActivities.Hook beforeTheCancel) throws Exception {
        try (Run run = start(activities, request)) {
            WorkflowClient.start(run.workflow()::migrate, request);
            WorkflowStub stub = WorkflowStub.fromTyped(run.workflow());
            underWay.await();
            Thread.sleep(1500);
            beforeTheCancel.run();
            long canceledAt = System.nanoTime();
            stub.cancel();

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> stub.getResult(MigrateDiskResult.class));
            long millis = (System.nanoTime() - canceledAt) / 1_000_000;

            assertInstanceOf(CanceledFailure.class, e.getCause());
            return millis;
        }
    }

    /** The VM runs on A alone, live and persistent, A holds every write, and nothing new is on disk. */
    private static void assertRolledBack(TestVm vm) throws Exception {
        Disk live = vm.liveDisk("vda");
        assertEquals(vm.vda.toString(), live.source(), "live XML names A");
        assertNull(live.backingFile(), "A has no backing file");
        assertFalse(live.hasMirror(), "no block job left");
        assertEquals(vm.vda.toString(), vm.persistentDisk("vda").source(), "persistent XML names A");
        assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "nothing new left on disk");
        assertTrue(TestVm.holds(vm.vda, "raw", 0x11, 1), "A holds the write made before the snapshot");
        assertTrue(TestVm.holds(vm.vda, "raw", 0x22, 2), "A holds the write made after the snapshot");
    }

    /** A qcow2 {@code overlay} of the raw image {@code backing} in use by the VM (so -u: qemu-img must not open it). */
    /** Where the migration of {@code vm}'s vda puts A'. */
    private static Path top(TestVm vm) {
        return Path.of(vm.target() + ".blockshift-top.qcow2");
    }

    /** The real activities, with an overlay of {@code backing} made at A''s path just before the snapshot. */
    private static HookedActivities overlayAtTopBeforeTheSnapshot(TestVm vm, Path backing, String size) {
        return activities(vm.dst).before("snapshot", () -> createOverlay(top(vm), backing, size));
    }

    private static void createOverlay(Path overlay, Path backing, String size) throws Exception {
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", backing.toString(), "-F", "raw",
                overlay.toString(), size), Duration.ofMinutes(1));
    }

    private static void write(TestVm vm, String moment) throws Exception {
        int[] write = WRITES.get(moment);
        vm.write(write[0], write[1]);
    }
}
