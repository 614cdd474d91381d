package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A guest that writes faster than the copy (three writers of 1 MiB blocks back to back, a 4 MiB/s
 * limit): the mirror restarts in write-blocking mode and the commit lifts its limit; every write ends
 * on B and the guest's own I/O tuning comes back. The limit on the guest's writes, which the commit
 * puts when lifting is not enough, is proven on a running guest on its own.
 */
class ConvergenceOnLibvirtTest extends LibvirtTemporalTest {

    /** The guest's own I/O tuning, set before the migration: blockshift must leave it exactly so. */
    private static final List<String> OWN_TUNING = List.of("--read-bytes-sec", "209715200", "--write-bytes-sec",
            "104857600", "--write-iops-sec", "5000", "--read-iops-sec", "4000");

    @Test
    void aGuestWritingFasterThanTheCopyMovesWithEveryWriteTheSwitchAndTheLimitRecordedAndItsOwnTuningBack()
            throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64); Writers writers = new Writers(vm, 3, 4)) {
            setOwnTuning(vm);
            Map<String, String> own = tuning(vm);
            HookedActivities activities = activities(vm.dst).after("snapshot", writers::start);
            MigrateDiskRequest request = request(vm, vm.target());
            request.bandwidthMiBps = 4;
            // QEMU copies in chunks of up to 8 MiB here: at 4 MiB/s a shorter window sees no progress between two of them.
            request.convergenceSeconds = 5;

            MigrateDiskResult result;
            String workflowId;
            try (Run run = start(activities, request)) {
                workflowId = run.workflowId();
                result = run.workflow().migrate(request);
            } finally {
                writers.stop();
            }

            assertEquals(vm.target().toString(), vm.liveDisk().source());
            assertNull(vm.liveDisk().backingFile());
            assertTrue(writers.written() > 20, "the guest wrote throughout: " + writers.written() + " blocks");
            for (Map.Entry<Integer, Integer> last : writers.lastPatterns().entrySet()) {
                assertTrue(TestVm.holds(vm.target(), "raw", last.getValue(), last.getKey()),
                        "B holds the last write at " + last.getKey() + " MiB (0x" + Integer.toHexString(last.getValue()) + ")");
            }
            MigrationHistory history = MigrationHistory.of(client, workflowId);
            ConvergenceReport mirror = history.result(MigrationActivities.MIRROR_TO_OVERLAY, BlockJobReport.class).convergence();
            ConvergenceReport commit = history.result(MigrationActivities.COMMIT_OVERLAY, BlockJobReport.class).convergence();
            assertNotNull(mirror, "the mirror's report says what it needed");
            assertNotNull(mirror.stalledAt());
            assertNotNull(mirror.writeBlockingAt(), "the mirror switched to write-blocking mode: " + mirror);
            assertNotNull(commit, "the commit's report says what it needed");
            assertNotNull(commit.bandwidthLiftedAt(), "the commit lifted its bandwidth limit: " + commit);
            // Unlimited, the commit outruns any writer HMP can drive here, so lifting the limit is enough and the
            // guest's writes are seldom limited; when they are, the report says for how long, and to what.
            if (commit.throttledAt() != null) {
                assertTrue(commit.throttleBytesPerSecond() >= 1 << 20 && commit.throttledMillis() > 0, commit.toString());
            }
            System.out.println("mirror: " + mirror.describe() + "\ncommit: " + commit.describe());
            assertEquals(Map.of("mirror", mirror, "commit", commit), result.convergence(), "the result says it too");
            assertEquals(own, tuning(vm), "the guest's own I/O tuning is back");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }

    /**
     * On slow storage the unlimited commit copies more slowly than the guest writes: the guest's writes
     * are limited until the commit converges, and then given back exactly. Slow storage here: B and B'
     * on a filesystem on a loop device from which the host's blkio cgroup lets this VM's QEMU read 2 MiB/s
     * ({@code virsh blkiotune --device-read-bytes-sec}), the disk opened with cache='none' so that every
     * read reaches the device: the commit reads B' that slowly while the guest writes to it at full
     * speed. (This kernel has no device-mapper, so no delay target.)
     */
    @Test
    void aCommitOntoSlowStorageLimitsTheGuestsWritesUntilItConvergesAndGivesItsOwnTuningBack() throws Exception {
        try (XfsMount slow = XfsMount.create(512); TestVm vm = TestVm.startUncached(libvirt, "raw", 64);
                Writers writers = new Writers(vm, 3, 4)) {
            String device = Command.run(List.of("findmnt", "-n", "-o", "SOURCE", slow.dir.toString()), Duration.ofSeconds(10)).trim();
            Command.run(List.of("virsh", "-c", TestVm.URI, "blkiotune", vm.name, "--device-read-bytes-sec",
                    device + "," + (2 << 20), "--live"), Duration.ofSeconds(30));
            setOwnTuning(vm);
            Map<String, String> own = tuning(vm);
            Path target = slow.dir.resolve("vda-moved.img");
            HookedActivities activities = activities(slow.dir).after("snapshot", writers::start);
            MigrateDiskRequest request = request(vm, target);
            request.bandwidthMiBps = 4;
            // The copy reads 2 MiB/s in steps of up to 8 MiB: a window shorter than a few steps sees no progress.
            request.convergenceSeconds = 8;

            MigrateDiskResult result;
            String workflowId;
            try (Run run = start(activities, request)) {
                workflowId = run.workflowId();
                result = run.workflow().migrate(request);
            } finally {
                writers.stop();
            }

            assertEquals(target.toString(), vm.liveDisk().source());
            for (Map.Entry<Integer, Integer> last : writers.lastPatterns().entrySet()) {
                assertTrue(TestVm.holds(target, "raw", last.getValue(), last.getKey()),
                        "B holds the last write at " + last.getKey() + " MiB (0x" + Integer.toHexString(last.getValue()) + ")");
            }
            MigrationHistory history = MigrationHistory.of(client, workflowId);
            for (String step : List.of(MigrationActivities.MIRROR_TO_OVERLAY, MigrationActivities.COMMIT_OVERLAY)) {
                // Slow looks and a slow abort and restart still heartbeat: no attempt was timed out and run again.
                ActivityTaskStartedEventAttributes started = history.started(step);
                assertEquals(1, started.getAttempt(), step + " ran once; attempt " + (started.getAttempt() - 1) + " ended: "
                        + started.getLastFailure().getMessage() + " " + started.getLastFailure().getTimeoutFailureInfo());
            }
            ConvergenceReport commit = history.result(MigrationActivities.COMMIT_OVERLAY, BlockJobReport.class).convergence();
            System.out.println("commit on slow storage: " + (commit == null ? "converged by itself" : commit.describe()));
            assertNotNull(commit, "the commit needed help on slow storage");
            assertNotNull(commit.throttledAt(), "the guest's writes were limited: " + commit);
            assertTrue(commit.throttleBytesPerSecond() >= 1 << 20 && commit.throttledMillis() > 0, commit.toString());
            assertEquals(commit, result.convergence().get("commit"), "the result says it too");
            assertEquals(own, tuning(vm), "the guest's own I/O tuning is back");
        }
    }

    @Test
    void aMirrorThatDoesNotConvergeInWriteBlockingModeEitherRollsBackSayingWhatToTryWithEveryWriteOnA() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64); Writers writers = new Writers(vm, 3, 4)) {
            HookedActivities activities = activities(vm.dst).after("snapshot", writers::start);
            MigrateDiskRequest request = request(vm, vm.target());
            // At 1 MiB/s QEMU copies a step of up to 8 MiB every few seconds: a 1 s window sees no progress.
            request.bandwidthMiBps = 1;
            request.convergenceSeconds = 1;

            io.temporal.client.WorkflowFailedException e;
            try {
                e = org.junit.jupiter.api.Assertions.assertThrows(io.temporal.client.WorkflowFailedException.class,
                        () -> migrate(activities, request));
            } finally {
                writers.stop();
            }

            io.temporal.failure.ApplicationFailure failure = (io.temporal.failure.ApplicationFailure) e.getCause();
            assertEquals("RolledBack", failure.getType());
            assertEquals("NotConverging", ((io.temporal.failure.ApplicationFailure) failure.getCause().getCause()).getType());
            assertTrue(failure.getOriginalMessage().contains("did not converge even in write-blocking mode")
                    && failure.getOriginalMessage().contains("higher bandwidthMiBps (now 1")
                    && failure.getOriginalMessage().contains("quieter time"), failure.getOriginalMessage());
            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
            assertNull(vm.liveDisk().backingFile());
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "nothing new is left");
            for (Map.Entry<Integer, Integer> last : writers.lastPatterns().entrySet()) {
                assertTrue(TestVm.holds(vm.vda, "raw", last.getValue(), last.getKey()),
                        "A holds the last write at " + last.getKey() + " MiB");
            }
        }
    }

    @Test
    void aLimitOnTheGuestsWritesHoldsThemToItAndRestoringGivesBackTheGuestsOwnTuningExactly() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            setOwnTuning(vm);
            Map<String, String> own = tuning(vm);
            io.blockshift.activities.libvirt.DiskWriteLimit limit = vm.guest().disk("vda").writeLimit();

            assertEquals(2 << 20, limit.limitTo(2 << 20), "under the guest's own 100 MiB/s, the limit asked for");
            Map<String, String> limited = tuning(vm, "2097152");
            long start = System.nanoTime();
            for (int mib = 0; mib < 4; mib++) {
                vm.write(0x5a, mib);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis > 1000, "4 MiB at 2 MiB/s took " + millis + " ms");
            assertEquals(1 << 20, limit.limitTo(1 << 20), "halved, as a further window without progress does");
            assertTrue(vm.liveXml().contains("blockshift.io/xmlns/saved-iotune/vda"), "the guest's own figures are recorded");
            own.forEach((name, value) -> {
                if (!name.equals("write_bytes_sec")) {
                    assertEquals(value, limited.get(name), name + " is left as the guest had it");
                }
            });

            assertTrue(limit.restore());
            assertEquals(own, tuning(vm), "the guest's own I/O tuning is back, not the first limit");
            assertTrue(!vm.liveXml().contains("blockshift.io/xmlns/saved-iotune"), "no record of it is left");
            assertTrue(!limit.restore(), "nothing to restore a second time");
            assertTrue(TestVm.holds(vm.vda, "raw", 0x5a, 3), "the limited writes are all there");
        }
    }

    @Test
    void aGuestWithATotalLimitOfItsOwnHasThatTotalTightenedAndGivenBack() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            // libvirt refuses a write limit beside a total one: blockshift tightens the total instead.
            Command.run(List.of("virsh", "-c", TestVm.URI, "blkdeviotune", vm.name, "vda", "--live", "--total-bytes-sec",
                    "52428800", "--write-iops-sec", "3000"), Duration.ofSeconds(30));
            Map<String, String> own = tuning(vm, "0");
            io.blockshift.activities.libvirt.DiskWriteLimit limit = vm.guest().disk("vda").writeLimit();

            assertEquals(2 << 20, limit.limitTo(2 << 20));
            Map<String, String> limited = tuning(vm, "0");
            assertEquals("2097152", limited.get("total_bytes_sec"));
            assertEquals("3000", limited.get("write_iops_sec"));

            assertTrue(limit.restore());
            assertEquals(own, tuning(vm, "0"));
        }
    }

    @Test
    void aLimitOnTheGuestsWritesLeftByAnAttemptThatDiedIsTakenAwayByTheNextCommit() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            setOwnTuning(vm);
            Map<String, String> own = tuning(vm);
            HookedActivities activities = activities(vm.dst)
                    // What a commit attempt that died while the guest's writes were limited leaves.
                    .before("commitOverlay", () -> vm.guest().disk("vda").writeLimit().limitTo(1 << 20));

            migrate(activities, request(vm, vm.target()));

            assertEquals(own, tuning(vm), "the guest's own I/O tuning is back");
            assertTrue(!vm.liveXml().contains("blockshift.io/xmlns/saved-iotune"), "no record of it is left");
        }
    }

    private static void setOwnTuning(TestVm vm) throws Exception {
        List<String> command = new ArrayList<>(List.of("virsh", "-c", TestVm.URI, "blkdeviotune", vm.name, "vda", "--live"));
        command.addAll(OWN_TUNING);
        Command.run(command, Duration.ofSeconds(30));
    }

    private static Map<String, String> tuning(TestVm vm) throws Exception {
        return tuning(vm, "104857600");
    }

    /** {@code virsh blkdeviotune}'s figures for vda, by name, whose write_bytes_sec must be {@code write}. */
    private static Map<String, String> tuning(TestVm vm, String write) throws Exception {
        String out = Command.run(List.of("virsh", "-c", TestVm.URI, "blkdeviotune", vm.name, "vda", "--live"),
                Duration.ofSeconds(30));
        Map<String, String> figures = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] pair = line.split(":", 2);
            if (pair.length == 2) {
                figures.put(pair[0].trim(), pair[1].trim());
            }
        }
        assertEquals(write, figures.get("write_bytes_sec"), out);
        return figures;
    }

    /**
     * Guest writers, each writing 1 MiB blocks back to back over a region of its own, a new
     * pattern each pass, and remembering the last pattern each block got.
     */
    private static final class Writers implements AutoCloseable {
        private final TestVm vm;
        private final int count;
        private final int blocksEach;
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<Integer, Integer> last = new ConcurrentHashMap<>();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();

        Writers(TestVm vm, int count, int blocksEach) {
            this.vm = vm;
            this.count = count;
            this.blocksEach = blocksEach;
        }

        void start() {
            for (int w = 0; w < count; w++) {
                int writer = w;
                Thread thread = new Thread(() -> write(writer), "guest-writer-" + w);
                threads.add(thread);
                thread.start();
            }
        }

        private void write(int writer) {
            try {
                for (int pass = 0; !stop.get(); pass++) {
                    int pattern = 1 + (pass * count + writer) % 250;
                    for (int block = 0; block < blocksEach && !stop.get(); block++) {
                        int offset = 8 + writer * blocksEach + block;
                        vm.write(pattern, offset);
                        last.put(offset, pattern);
                        written.incrementAndGet();
                    }
                }
            } catch (Exception | AssertionError e) {
                failure.compareAndSet(null, new Exception("guest writer " + writer + ": " + e, e));
            }
        }

        void stop() throws Exception {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
            if (failure.get() != null) {
                throw failure.get();
            }
        }

        int written() {
            return written.get();
        }

        Map<Integer, Integer> lastPatterns() {
            return last;
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }
}
