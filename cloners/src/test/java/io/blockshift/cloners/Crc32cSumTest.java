package io.blockshift.cloners;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Crc32cSumTest {

    @TempDir(factory = BsTestTempDir.class)
    Path dir;

    @Test
    void foldingZerosInGivesTheSameValueAsHashingThem() {
        Random random = new Random(1);
        CRC32C every = new CRC32C();
        Crc32cSum sum = new Crc32cSum();
        for (int run : new int[] {0, 1, 7, 4096, 1 << 20, 3 * (1 << 20) + 5, 17}) {
            byte[] data = new byte[run + 3];
            random.nextBytes(data);
            every.update(data);
            sum.update(ByteBuffer.wrap(data));
            every.update(new byte[run]);
            sum.updateZeros(run);
        }
        assertEquals(String.format("%08x", every.getValue()), sum.hex());
    }

    @Test
    void sumOfASparseFileFromItsDataExtentsEqualsCrc32cOfEveryByte() throws Exception {
        Path file = TestFiles.sparseFile(dir.resolve("sparse.img"), 200L * TestFiles.MiB + 123,
                0, 4096, 5L * TestFiles.MiB + 17, 100_000, 200L * TestFiles.MiB, 123);
        Crc32cSum sum = new Crc32cSum();
        try (NativeFile in = NativeFile.openSource(file)) {
            sum.update(in, 0, in.size(), ByteBuffer.allocateDirect(1 << 16), () -> { });
        }
        assertEquals(TestFiles.crc32cOfEveryByte(file), sum.hex());
    }
}
