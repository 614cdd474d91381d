package io.blockshift.cloners;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The CRC32C of a whole file, built from its data and its holes: a hole's zeros are folded in
 * arithmetically (as zlib's {@code crc32_combine} does) instead of being read, so a 32 GiB file with
 * 1 GiB of data costs 1 GiB of hashing. The value equals {@link CRC32C} over every byte. The data is
 * hashed by the JDK's CRC32C, which uses the CPU's CRC instructions.
 */
final class Crc32cSum {

    static final String ALGORITHM = "crc32c";

    /** CRC32C's polynomial, bit-reversed. */
    private static final int POLY = 0x82F63B78;
    /** {@code X2N[k]} is x^(2^k) modulo the polynomial. */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int k = 1; k < 32; k++) {
            p = multiply(p, p);
            X2N[k] = p;
        }
    }

    private final CRC32C part = new CRC32C();
    private int crc; // of everything so far, as CRC32C.getValue() would give it
    private long length;

    /** Adds the buffer's remaining bytes. */
    void update(ByteBuffer data) {
        int n = data.remaining();
        part.reset();
        part.update(data);
        crc = multiply(xPow8n(n), crc) ^ (int) part.getValue();
        length += n;
    }

    /** Adds {@code n} zero bytes without reading them. */
    void updateZeros(long n) {
        if (n > 0) {
            crc = ~multiply(xPow8n(n), ~crc);
            length += n;
        }
    }

    /** Adds the bytes of {@code file} in [from, to), reading only its data extents. */
    void update(NativeFile file, long from, long to, ByteBuffer buffer, Runnable tick) throws CloneException {
        file.walk(from, to, true, (holeStart, holeEnd) -> updateZeros(holeEnd - holeStart), (dataStart, dataEnd) -> {
            for (long position = dataStart; position < dataEnd; position += buffer.limit()) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), dataEnd - position));
                if (file.read(buffer, position) < buffer.limit()) {
                    throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE,
                            file.path() + " ended before " + dataEnd + " while checksumming it");
                }
                update(buffer.position(0));
                tick.run();
            }
        });
    }

    /**
     * Checksums the whole of {@code source} and of {@code target} and compares them: the target on
     * a second thread while this one checksums the source.
     *
     * @throws CloneException VERIFICATION_FAILED when they differ
     */
    static CloneResult compare(String cloner, NativeFile source, NativeFile target, long size, long bytesCopied,
            Runnable tick) throws CloneException {
        long targetSize = target.size();
        try (TargetReadBack readBack = new TargetReadBack(target, CopyingCloner.CHUNK)) {
            readBack.upTo(targetSize);
            Crc32cSum sourceSum = new Crc32cSum();
            sourceSum.update(source, 0, size, ByteBuffer.allocateDirect(CopyingCloner.CHUNK), tick);
            return sourceSum.compare(cloner, source, target, size, bytesCopied, readBack.await(targetSize, tick));
        }
    }

    /**
     * For {@link Cloner#recheck}: the result of a finished clone of {@code request}, checksummed
     * again (source and target compared) when {@code checksum}, else without checksums.
     */
    static CloneResult recheck(String cloner, CloneRequest request, boolean checksum, CloneListener listener)
            throws CloneException {
        try (NativeFile source = NativeFile.openSource(request.source());
             NativeFile target = NativeFile.openFinishedTarget(request.target())) {
            long size = source.size();
            Progress progress = new Progress(listener, size, size);
            progress.advance(size);
            progress.durable(size);
            return checksum
                    ? compare(cloner, source, target, size, 0, progress::tick)
                    : new CloneResult(cloner, size, 0, null, null, null);
        }
    }

    /**
     * Compares this, the source's sum, with {@code targetSum}, the sum of what the target holds.
     *
     * @throws CloneException VERIFICATION_FAILED when they differ, or the target is not {@code size} long
     */
    CloneResult compare(String cloner, NativeFile source, NativeFile target, long size, long bytesCopied,
            Crc32cSum targetSum) throws CloneException {
        long targetSize = target.size();
        if (targetSize != size || targetSum.length != size || crc != targetSum.crc) {
            throw new CloneException(CloneException.Kind.VERIFICATION_FAILED, target.path() + " does not match " + source.path()
                    + " (" + targetSize + " bytes, crc32c " + targetSum.hex() + " != " + size + " bytes, crc32c " + hex()
                    + "); remove it and copy again from the start");
        }
        return new CloneResult(cloner, size, bytesCopied, ALGORITHM, hex(), targetSum.hex());
    }

    long length() {
        return length;
    }

    String hex() {
        return String.format("%08x", crc);
    }

    /** x^(8n) modulo the polynomial: what n zero bytes multiply a CRC register by. */
    private static int xPow8n(long n) {
        int p = 1 << 31; // x^0
        int k = 3;
        while (n != 0) {
            if ((n & 1) != 0) {
                p = multiply(X2N[k & 31], p);
            }
            n >>>= 1;
            k++;
        }
        return p;
    }

    /** a(x) b(x) modulo the polynomial, bit-reversed as in zlib's {@code multmodp}. */
    private static int multiply(int a, int b) {
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    break;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return p;
    }
}
