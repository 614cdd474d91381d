package io.blockshift.cloners;

import static io.blockshift.cloners.TestFiles.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sparse and plain on the temp directory's filesystem: what each does with holes. */
class SparseClonerTest {

    @TempDir(factory = BsTestTempDir.class)
    Path dir;

    @Test
    void sparseKeepsHolesAsHolesAndEqualsTheSourceByteForByte() throws Exception {
        long size = 256L * MiB + 777; // not a whole number of blocks, ends in a hole
        Path source = TestFiles.sparseFile(dir.resolve("source.img"), size,
                0, MiB, 10L * MiB + 4096, 2 * MiB + 5, 100L * MiB + 1, 12345);
        Path target = dir.resolve("target.img");
        CloneResult result = new SparseCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);

        assertEquals(size, Files.size(target));
        assertTrue(TestFiles.sameBytes(source, target));
        long sourceBlocks = TestFiles.allocatedBlocks(source);
        long targetBlocks = TestFiles.allocatedBlocks(target);
        assertTrue(targetBlocks <= sourceBlocks, "target allocates " + targetBlocks + " blocks, source " + sourceBlocks);
        assertTrue(targetBlocks < 8L * MiB / 512, "holes stay holes: " + targetBlocks + " blocks allocated");
        assertTrue(result.bytesCopied() < 8L * MiB, "copied only the data: " + result.bytesCopied());
        assertEquals(TestFiles.crc32cOfEveryByte(source), result.targetChecksum());
    }

    @Test
    void sparseTurnsAlignedAllZeroMebibytesIntoHoles() throws Exception {
        Path source = TestFiles.sparseFile(dir.resolve("source.img"), 16L * MiB, 0, MiB, 15L * MiB, MiB);
        TestFiles.writeZeros(source, 4L * MiB, 8 * MiB); // allocated, but zeros
        Path target = dir.resolve("target.img");
        CloneResult result = new SparseCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);

        assertTrue(TestFiles.sameBytes(source, target));
        assertEquals(2L * MiB, result.bytesCopied());
        long targetBlocks = TestFiles.allocatedBlocks(target);
        assertTrue(targetBlocks <= 2L * MiB / 512 + 64, "the zeros became holes: " + targetBlocks + " blocks");
        assertTrue(TestFiles.allocatedBlocks(source) >= 10L * MiB / 512);
    }

    @Test
    void plainCopiesEveryByteAndAllocatesTheHoles() throws Exception {
        Path source = TestFiles.sparseFile(dir.resolve("source.img"), 16L * MiB, 0, MiB);
        Path target = dir.resolve("target.img");
        CloneResult result = new PlainCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);

        assertTrue(TestFiles.sameBytes(source, target));
        assertEquals(16L * MiB, result.bytesCopied());
        assertTrue(TestFiles.allocatedBlocks(target) >= 16L * MiB / 512);
    }

    @Test
    void durableReportsCoverTheWholeFileAndEndAtItsSize() throws Exception {
        Path source = TestFiles.sparseFile(dir.resolve("source.img"), 64L * MiB, 0, 8 * MiB, 40L * MiB, 8 * MiB);
        long[] last = {-1, -1, -1};
        new SparseCloner(4L * MiB).clone(CloneRequest.of(source, dir.resolve("target.img")), (offset, done, total) -> {
            assertTrue(offset >= last[0], "durable offsets never go back");
            last[0] = offset;
            last[1] = done;
            last[2] = total;
        });
        assertEquals(64L * MiB, last[0]);
        assertEquals(16L * MiB, last[1], "done counts the data, not the holes");
        assertEquals(16L * MiB, last[2]);
    }
}
