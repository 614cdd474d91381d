package io.blockshift.cloners;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The copy loop that {@link PlainCloner} and {@link SparseCloner} share: read a chunk, hash it,
 * write it, throttle, make it durable every {@link #DURABLE_EVERY} bytes or {@link #DURABLE_NANOS},
 * report, and at the end checksum the target.
 *
 * <ul>
 *   <li>Resumes from {@link CloneRequest#resumeOffset()}: the target is cut back to that offset (any
 *       bytes past it were never reported durable) and the source's prefix is hashed again, so the
 *       checksum always covers the whole file. A missing target means starting over.
 *   <li>Memory is one direct buffer of {@link #CHUNK} bytes, whatever the file's size.
 *   <li>The source checksum is of what was read from the source; the target checksum is read back
 *       from the target after the final fdatasync (data extents only, holes folded in as zeros).
 *       Both always run: a copy through user space can go wrong in ways a reflink cannot.
 *   <li>On failure the partial target stays (a retry resumes from the last durable offset); the
 *       caller removes it when it gives up.
 *   <li>At every fdatasync the source and target paths are checked to still name the files being
 *       copied: a vanished or replaced source is SOURCE_UNAVAILABLE, a replaced target TARGET_EXISTS.
 * </ul>
 */
abstract class CopyingCloner implements Cloner {

    /** How much to copy between fdatasyncs; a retry after a crash redoes at most this much. */
    static final long DURABLE_EVERY = 64L << 20;
    /** How long at most between fdatasyncs, for slow (throttled) copies. */
    static final long DURABLE_NANOS = 1_000_000_000L;
    /** The copy's only buffer; sparse copies skip chunks of this size (aligned) that are all zeros. */
    static final int CHUNK = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private final long durableEvery;

    CopyingCloner(long durableEvery) {
        this.durableEvery = durableEvery;
    }

    /** Whether to copy only data extents and leave holes (and all-zero chunks) as holes. */
    abstract boolean sparse();

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
        Path source = request.source();
        Path target = request.target();
        Object sourceKey = fileKey(source, CloneException.Kind.SOURCE_UNAVAILABLE, "source");
        boolean resuming = request.resumeOffset() > 0 && Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        try (NativeFile in = NativeFile.openSource(source);
             NativeFile out = resuming ? NativeFile.openTarget(target) : NativeFile.createTarget(target, modeOf(source))) {
            Object targetKey = fileKey(target, CloneException.Kind.IO, "target");
            long size = in.size();
            long start = resuming ? Math.min(request.resumeOffset(), size) : 0;
            out.truncate(start);
            Throttle throttle = new Throttle(request.bandwidthBytesPerSecond());
            ByteBuffer buffer = ByteBuffer.allocateDirect(throttle.chunkSize(CHUNK));
            Progress progress = new Progress(listener, start, sparse() ? dataBytes(in, start, size) : size - start);
            Crc32cSum sourceSum = new Crc32cSum();
            sourceSum.update(in, 0, start, buffer, progress::tick);

            boolean kernelCopy = sparse();
            long written = 0;
            long position = start;
            long lastDurable = start;
            long lastSync = System.nanoTime();
            while (position < size) {
                long data = sparse() ? in.nextData(position) : position;
                long dataStart = data < 0 ? size : Math.min(data, size);
                sourceSum.updateZeros(dataStart - position);
                position = dataStart;
                long dataEnd = position < size ? (sparse() ? Math.min(in.nextHole(position), size) : size) : size;
                while (position < dataEnd) {
                    int n = (int) Math.min(buffer.capacity() - position % buffer.capacity(), dataEnd - position);
                    buffer.clear().limit(n);
                    if (in.read(buffer, position) < n) {
                        throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE,
                                "source " + source + " shrank while copying (end of file before " + (position + n) + ")");
                    }
                    sourceSum.update(buffer.position(0));
                    if (!(sparse() && isZeros(buffer.position(0)))) {
                        kernelCopy = kernelCopy && out.copyFrom(in, position, n);
                        if (!kernelCopy) {
                            out.write(buffer, position);
                        }
                        written += n;
                    }
                    position += n;
                    progress.advance(n);
                    throttle.pass(n, progress::tick);
                    if (position - lastDurable >= durableEvery || System.nanoTime() - lastSync >= DURABLE_NANOS) {
                        out.fdatasync();
                        checkStillThere(source, sourceKey, target, targetKey);
                        lastDurable = position;
                        lastSync = System.nanoTime();
                        progress.durable(position);
                    } else {
                        progress.tick();
                    }
                }
            }
            out.truncate(size);
            out.fdatasync();
            checkStillThere(source, sourceKey, target, targetKey);
            progress.durable(size);

            Crc32cSum targetSum = new Crc32cSum();
            targetSum.update(out, 0, size, buffer, progress::tick);
            if (!sourceSum.hex().equals(targetSum.hex())) {
                throw new CloneException(CloneException.Kind.VERIFICATION_FAILED, target + " does not match " + source
                        + " (crc32c " + targetSum.hex() + " != " + sourceSum.hex() + "); remove it and copy again from the start");
            }
            return new CloneResult(name(), size, written, Crc32cSum.ALGORITHM, sourceSum.hex(), targetSum.hex());
        }
    }

    /** The bytes in the data extents of [from, to). */
    static long dataBytes(NativeFile file, long from, long to) throws CloneException {
        long total = 0;
        long position = from;
        while (position < to) {
            long data = file.nextData(position);
            if (data < 0 || data >= to) {
                break;
            }
            position = Math.min(file.nextHole(data), to);
            total += position - data;
        }
        return total;
    }

    static boolean isZeros(ByteBuffer buffer) {
        return buffer.mismatch(ZEROS.duplicate().limit(buffer.remaining())) < 0;
    }

    /** The permission bits a new target gets: the source's (less the umask, as cp does). */
    static int modeOf(Path source) {
        try {
            return (Integer) Files.getAttribute(source, "unix:mode") & 07777;
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    /** What identifies the file {@code path} names (device and inode). */
    static Object fileKey(Path path, CloneException.Kind kind, String role) throws CloneException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new CloneException(kind, role + " " + path + " does not exist", e);
        } catch (IOException e) {
            throw new CloneException(kind, "cannot read the attributes of " + role + " " + path + ": " + e.getMessage(), e);
        }
    }

    /** Fails if the source or the target path no longer names the file this clone works on. */
    static void checkStillThere(Path source, Object sourceKey, Path target, Object targetKey) throws CloneException {
        Object now;
        try {
            now = Files.readAttributes(source, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE, "source " + source + " vanished while copying", e);
        }
        if (!Objects.equals(now, sourceKey)) {
            throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE, "source " + source + " was replaced by another file while copying");
        }
        try {
            now = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            throw new CloneException(CloneException.Kind.IO, "target " + target + " vanished while copying", e);
        }
        if (!Objects.equals(now, targetKey)) {
            throw new CloneException(CloneException.Kind.TARGET_EXISTS, "another file took the place of target " + target + " while copying");
        }
    }
}
