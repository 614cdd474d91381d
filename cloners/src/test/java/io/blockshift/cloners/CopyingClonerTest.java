package io.blockshift.cloners;

import static io.blockshift.cloners.TestFiles.MiB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What plain and sparse share: resume, cancel, throttle, durable reports, errors. */
class CopyingClonerTest {

    @TempDir(factory = BsTestTempDir.class)
    Path dir;

    static CopyingCloner cloner(String name, long durableEvery) {
        return name.equals("plain") ? new PlainCloner(durableEvery) : new SparseCloner(durableEvery);
    }

    private static void assertSameBytesAndChecksums(Path source, Path target, CloneResult result) throws Exception {
        assertTrue(TestFiles.sameBytes(source, target));
        assertEquals(result.sourceChecksum(), result.targetChecksum());
    }

    /** The whole of {@code source} copied to {@code target} by the cloner {@code name}, in one call. */
    private static CloneResult copy(String name, Path source, Path target) throws Exception {
        return cloner(name, 4L * MiB).clone(CloneRequest.of(source, target), CloneListener.IGNORE);
    }

    /** 24 MiB with data spread over it and holes between. */
    private Path source() throws Exception {
        return TestFiles.sparseFile(dir.resolve("source.img"), 24L * MiB + 100,
                0, 3 * MiB, 5L * MiB + 4096, 6 * MiB, 14L * MiB, 4 * MiB, 24L * MiB, 100);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void copyIsByteIdenticalAndBothChecksumsEqualCrc32cOfEveryByte(String name) throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        CloneResult result = copy(name, source, target);
        assertSameBytesAndChecksums(source, target, result);
        assertEquals(Files.size(source), result.size());
        assertEquals("crc32c", result.checksumAlgorithm());
        assertEquals(TestFiles.crc32cOfEveryByte(source), result.sourceChecksum());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void resumesFromTheLastDurableOffsetAndEndsByteIdentical(String name) throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        long[] durable = {0};
        assertThrows(CancellationException.class, () -> cloner(name, 2L * MiB).clone(CloneRequest.of(source, target),
                (offset, done, total) -> {
                    durable[0] = offset;
                    if (offset >= 10L * MiB) {
                        throw new CancellationException("worker stopped");
                    }
                }));
        assertTrue(durable[0] >= 10L * MiB && durable[0] < Files.size(source), "stopped midway at " + durable[0]);
        assertTrue(Files.exists(target), "the partial target stays for the retry");

        List<Long> offsets = new ArrayList<>();
        CloneResult result = cloner(name, 2L * MiB).clone(CloneRequest.of(source, target).withResumeOffset(durable[0]),
                (offset, done, total) -> offsets.add(offset));
        CloneResult whole = cloner(name, 2L * MiB).clone(CloneRequest.of(source, dir.resolve("whole.img")), CloneListener.IGNORE);
        assertTrue(result.bytesCopied() < whole.bytesCopied(), result.bytesCopied() + " < " + whole.bytesCopied());
        assertTrue(offsets.stream().allMatch(o -> o >= durable[0]), "reports start at the resume offset: " + offsets);
        assertSameBytesAndChecksums(source, target, result);
        assertEquals(TestFiles.crc32cOfEveryByte(source), result.sourceChecksum(), "the checksum covers the whole file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void resumeWithoutThePartialTargetStartsOver(String name) throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        CloneResult result = cloner(name, 4L * MiB).clone(CloneRequest.of(source, target).withResumeOffset(8L * MiB), CloneListener.IGNORE);
        assertSameBytesAndChecksums(source, target, result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void listenerThatThrowsStopsTheCopyWithinASecondEvenWhenThrottled(String name) throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 32L * MiB);
        Path target = dir.resolve("target.img");
        long start = System.nanoTime();
        long[] thrownAt = {0};
        List<Long> calls = new ArrayList<>();
        assertThrows(CancellationException.class, () -> cloner(name, 64L * MiB)
                .clone(CloneRequest.of(source, target).withBandwidth(2L * MiB), (offset, done, total) -> {
                    long now = System.nanoTime();
                    calls.add(now);
                    if (now - start > 700_000_000L) {
                        thrownAt[0] = now;
                        throw new CancellationException("cancelled");
                    }
                }));
        long stoppedAfter = System.nanoTime() - thrownAt[0];
        assertTrue(stoppedAfter < 1_000_000_000L, "stopped " + stoppedAfter / 1_000_000 + " ms after the cancel");
        for (int i = 1; i < calls.size(); i++) {
            assertTrue(calls.get(i) - calls.get(i - 1) < 400_000_000L, "the listener hears from the copy every 250 ms or so");
        }
    }

    @Test
    void throttleHoldsTheRateWithinTenPercentOverEverySecond() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 20L * MiB);
        long rate = 10L * MiB;
        List<long[]> samples = new ArrayList<>(); // time, bytes done
        long start = System.nanoTime();
        samples.add(new long[] {start, 0});
        cloner("plain", 64L * MiB).clone(CloneRequest.of(source, dir.resolve("target.img")).withBandwidth(rate),
                (offset, done, total) -> samples.add(new long[] {System.nanoTime(), done}));
        double seconds = (System.nanoTime() - start) / 1e9;
        double overall = 20.0 * MiB / seconds;
        assertTrue(Math.abs(overall - rate) < rate * 0.10, "overall " + overall / MiB + " MiB/s");
        for (long[] a : samples) {
            for (long[] b : samples) {
                double window = (b[0] - a[0]) / 1e9;
                if (window >= 1.0) {
                    double windowRate = (b[1] - a[1]) / window;
                    assertTrue(windowRate < rate * 1.10, windowRate / MiB + " MiB/s over " + window + " s");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void sourceVanishingWhileCopyingIsSourceUnavailable(String name) throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 16L * MiB);
        CloneException e = assertThrows(CloneException.class, () -> cloner(name, 2L * MiB)
                .clone(CloneRequest.of(source, dir.resolve("target.img")), (offset, done, total) -> {
                    try {
                        Files.deleteIfExists(source);
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }));
        assertEquals(CloneException.Kind.SOURCE_UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("vanished"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void sourceShrinkingWhileCopyingIsSourceUnavailable(String name) throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 32L * MiB);
        CloneException e = assertThrows(CloneException.class, () -> cloner(name, 2L * MiB)
                .clone(CloneRequest.of(source, dir.resolve("target.img")), (offset, done, total) -> {
                    try (var file = java.nio.channels.FileChannel.open(source, java.nio.file.StandardOpenOption.WRITE)) {
                        file.truncate(4L * MiB);
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }));
        assertEquals(CloneException.Kind.SOURCE_UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("shrank while copying"), e.getMessage());
        assertEquals(List.of(), copyThreads(), "the scan and read-back threads ended with the clone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void aCancelEndsTheScanAndReadBackThreadsWithTheClone(String name) throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 32L * MiB);
        assertThrows(CancellationException.class, () -> cloner(name, 2L * MiB)
                .clone(CloneRequest.of(source, dir.resolve("target.img")), (offset, done, total) -> {
                    throw new CancellationException("cancelled");
                }));
        assertEquals(List.of(), copyThreads());
    }

    private static List<String> copyThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(thread -> thread.startsWith("blockshift-")).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void missingSourceIsSourceUnavailableAndCreatesNoTarget(String name) {
        CloneException e = assertThrows(CloneException.class, () -> cloner(name, 2L * MiB)
                .clone(CloneRequest.of(dir.resolve("missing.img"), dir.resolve("target.img")), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.SOURCE_UNAVAILABLE, e.kind());
        assertFalse(Files.exists(dir.resolve("target.img")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void refusesAnExistingTargetAndLeavesItUntouched(String name) throws Exception {
        Path source = source();
        Path target = Files.write(dir.resolve("target.img"), new byte[] {1, 2, 3});
        CloneException e = assertThrows(CloneException.class,
                () -> cloner(name, 2L * MiB).clone(CloneRequest.of(source, target), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.TARGET_EXISTS, e.kind());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void anotherFileTakingTheTargetsPlaceIsTargetExists(String name) throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("source.img"), 16L * MiB);
        Path target = dir.resolve("target.img");
        CloneException e = assertThrows(CloneException.class, () -> cloner(name, 2L * MiB)
                .clone(CloneRequest.of(source, target), (offset, done, total) -> {
                    try {
                        Files.move(Files.write(dir.resolve("other"), new byte[1]), target,
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }));
        assertEquals(CloneException.Kind.TARGET_EXISTS, e.kind(), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void copiesAnEmptyFile(String name) throws Exception {
        Path source = Files.createFile(dir.resolve("empty.img"));
        CloneResult result = cloner(name, 2L * MiB).clone(CloneRequest.of(source, dir.resolve("target.img")), CloneListener.IGNORE);
        assertEquals(0, Files.size(dir.resolve("target.img")));
        assertEquals("00000000", result.targetChecksum());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void recheckOfAFinishedCopyReportsTheChecksumsTheCloneReportedAndChangesNothing(String name) throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        CloneResult cloned = copy(name, source, target);
        long modified = Files.getLastModifiedTime(target).toMillis();
        List<Long> offsets = new ArrayList<>();

        // what a retry sees after a worker died between finishing the copy and reporting it
        CloneResult rechecked = cloner(name, 4L * MiB).recheck(CloneRequest.of(source, target).withVerify(false),
                (offset, done, total) -> offsets.add(offset));

        assertEquals(new CloneResult(name, Files.size(source), 0, "crc32c", cloned.sourceChecksum(), cloned.targetChecksum()),
                rechecked, "the same checksums, nothing copied (the copying cloners checksum even without verify)");
        assertEquals(List.of(Files.size(source)), offsets.subList(0, 1), "reports the whole target durable");
        assertEquals(modified, Files.getLastModifiedTime(target).toMillis());
        assertTrue(TestFiles.sameBytes(source, target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void recheckOfATargetThatDiffersFromTheSourceFailsVerification(String name) throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        copy(name, source, target);
        TestFiles.writeZeros(target, 0, 4096); // the source has data there

        CloneException e = assertThrows(CloneException.class,
                () -> cloner(name, 4L * MiB).recheck(CloneRequest.of(source, target), CloneListener.IGNORE));

        assertEquals(CloneException.Kind.VERIFICATION_FAILED, e.kind());
        assertTrue(e.getMessage().contains(target + " does not match " + source), e.getMessage());
    }

    @Test
    void recheckByAClonerThatChecksumsOnlyWhenAskedChecksumsOnlyWhenAsked() throws Exception {
        Path source = source();
        Path target = dir.resolve("target.img");
        Files.copy(source, target);
        Cloner vendor = new TestOnlyCloner(); // recheck is the interface's default

        CloneResult unverified = vendor.recheck(CloneRequest.of(source, target).withVerify(false), CloneListener.IGNORE);
        CloneResult verified = vendor.recheck(CloneRequest.of(source, target), CloneListener.IGNORE);

        assertEquals(new CloneResult("test-only", Files.size(source), 0, null, null, null), unverified);
        String crc = TestFiles.crc32cOfEveryByte(source);
        assertEquals(new CloneResult("test-only", Files.size(source), 0, "crc32c", crc, crc), verified);
    }
}
