package io.blockshift.cloners;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The copy that {@link PlainCloner} and {@link SparseCloner} share, on three threads: a
 * {@link SourceScan} reads the source just ahead of the copy and checksums it (sparse: and finds the
 * chunks that are all zeros); the copying thread has the kernel copy each chunk it is handed
 * (sparse: unless all zeros), starts its writeback every {@link #WRITEBACK_EVERY} bytes, throttles,
 * makes the target durable every {@link #DURABLE_EVERY} bytes written or {@link #DURABLE_NANOS},
 * whichever comes first, and reports; a {@link TargetReadBack} reads the target back behind the copy
 * and checksums it.
 *
 * <p>Why this shape, with the figures: bench/clone/RESULTS.md.
 *
 * <ul>
 *   <li>The target has the source's size from the start (a hole), so a partial target's size says
 *       nothing about progress: only the durable offsets reported to the listener do.
 *   <li>Resumes from {@link CloneRequest#resumeOffset()}: the target is cut back to that offset (any
 *       bytes past it were never reported durable) and the source's prefix is hashed again, so the
 *       checksum always covers the whole file. A missing target means starting over.
 *   <li>Memory is two direct buffers of {@link #CHUNK} bytes a clone (the scan's and the
 *       read-back's; a third only where the kernel cannot copy; and one shared read-only buffer of
 *       zeros), whatever the file's size.
 *   <li>The source checksum is of what the scan read from the source (the kernel copy reads the
 *       same unchanging file again); the target checksum is of what is read back from the target
 *       file (data extents only, holes folded in as zeros), range by range once the copy has
 *       written it, and covers the whole file (a resumed copy reads the prefix back too). Both
 *       always run, so a wrong copy, from whatever cause, fails VERIFICATION_FAILED.
 *   <li>On failure the partial target stays (a retry resumes from the last durable offset); the
 *       caller removes it when it gives up.
 *   <li>At every fdatasync the source and target paths are checked to still name the files being
 *       copied: a vanished or replaced source is SOURCE_UNAVAILABLE, a replaced target TARGET_EXISTS.
 * </ul>
 */
abstract class CopyingCloner implements Cloner {

    /** How much to write between fdatasyncs; a retry after a crash redoes at most this much. */
    static final long DURABLE_EVERY = 1L << 30;
    /** How long at most between fdatasyncs, for slow (throttled) copies. */
    static final long DURABLE_NANOS = 1_000_000_000L;
    /** The scan's and the read-back's buffer size; sparse copies skip aligned chunks of it that are all zeros. */
    static final int CHUNK = 1 << 20;
    /** How much to write before starting its writeback, so the disk works while the copy goes on. */
    static final long WRITEBACK_EVERY = 8L << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private final String name;
    private final String description;
    private final String whatItDoes;
    private final boolean sparse;
    private final long durableEvery;

    /**
     * @param sparse whether to copy only data extents and leave holes (and all-zero chunks) as holes
     * @param durableEvery how many bytes to copy between fdatasyncs
     */
    CopyingCloner(String name, String description, String whatItDoes, boolean sparse, long durableEvery) {
        this.name = name;
        this.description = description;
        this.whatItDoes = whatItDoes;
        this.sparse = sparse;
        this.durableEvery = durableEvery;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Suitability suitability(Path source, Path targetDirectory) {
        String problem = Preconditions.whyNot(source, targetDirectory);
        return problem != null ? Suitability.no(problem) : Suitability.yes(whatItDoes);
    }

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
            if (resuming) { // a new target is empty (and cutting a file to 0 makes ext4 flush it at close)
                out.truncate(start); // drop whatever an earlier attempt wrote past its last durable offset
            }
            out.truncate(size); // at full size from the start, so no write extends the file: XFS would preallocate
            in.adviseSequential();
            Throttle throttle = new Throttle(request.bandwidthBytesPerSecond());
            int chunk = throttle.chunkSize(CHUNK);
            long total = sparse ? dataBytes(in, start, size) : size - start;
            try (SourceScan scan = new SourceScan(in, start, size, sparse, chunk);
                 TargetReadBack readBack = new TargetReadBack(out, chunk)) {
                Copy copy = new Copy(in, out, chunk, throttle, start, new Progress(listener, start, total), readBack,
                        () -> checkStillThere(source, sourceKey, target, targetKey));
                readBack.upTo(start);
                for (SourceScan.Chunk next; (next = scan.next(copy.progress::tick)) != null; ) {
                    copy.copy(next);
                }
                copy.sync(size);
                Crc32cSum targetSum = readBack.await(size, copy.progress::tick);
                return scan.sum().compare(name(), in, out, size, copy.written, targetSum);
            }
        }
    }

    /** Checksums source and target again: plain and sparse always checksum. */
    @Override
    public final CloneResult recheck(CloneRequest request, CloneListener listener) throws IOException {
        return Crc32cSum.recheck(name(), request, true, listener);
    }

    /** The state of one copy. */
    private final class Copy {

        final NativeFile in;
        final NativeFile out;
        final int chunkSize;
        final Throttle throttle;
        final Progress progress;
        final TargetReadBack readBack;
        final Check stillThere;
        boolean kernelCopy = true;
        ByteBuffer buffer; // only once the kernel cannot copy between these two files
        long written;
        long writtenAtSync;
        long writebackFrom;
        long lastSync = System.nanoTime();

        Copy(NativeFile in, NativeFile out, int chunkSize, Throttle throttle, long start, Progress progress,
                TargetReadBack readBack, Check stillThere) {
            this.in = in;
            this.out = out;
            this.chunkSize = chunkSize;
            this.throttle = throttle;
            this.progress = progress;
            this.readBack = readBack;
            this.stillThere = stillThere;
            this.writebackFrom = start;
        }

        /** Copies one chunk the scan read (sparse: unless it is all zeros), then writeback, throttle, sync. */
        void copy(SourceScan.Chunk chunk) throws CloneException {
            if (!chunk.zeros()) {
                write(chunk.position(), chunk.length());
                written += chunk.length();
            }
            long position = chunk.end();
            readBack.upTo(position);
            progress.advance(chunk.length());
            if (position - writebackFrom >= WRITEBACK_EVERY) {
                out.startWriteback(writebackFrom, position - writebackFrom);
                writebackFrom = position;
            }
            passThrottle(chunk.length());
            if (written - writtenAtSync >= durableEvery || System.nanoTime() - lastSync >= DURABLE_NANOS) {
                sync(position);
            } else {
                progress.tick();
            }
        }

        /**
         * Has the kernel copy [position, position + n) from the source (sparse: copy_file_range, which
         * may share blocks; plain: sendfile, which writes every byte); where it cannot, for good,
         * reads the chunk again and writes it from a buffer.
         */
        private void write(long position, int n) throws CloneException {
            if (kernelCopy) {
                kernelCopy = sparse ? out.copyFrom(in, position, n) : out.sendFrom(in, position, n);
                if (kernelCopy) {
                    return;
                }
            }
            if (buffer == null) {
                buffer = ByteBuffer.allocateDirect(chunkSize);
            }
            buffer.clear().limit(n);
            if (in.read(buffer, position) < n) {
                throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE,
                        "source " + in.path() + " shrank while copying (end of file before " + (position + n) + ")");
            }
            out.write(buffer, position);
        }

        private void passThrottle(int n) throws CloneException {
            try {
                throttle.pass(n, progress::tick);
            } catch (InterruptedIOException e) {
                throw new CloneException(CloneException.Kind.IO, "clone of " + in.path() + " interrupted", e);
            }
        }

        /** Makes everything below {@code position} durable and says so. */
        void sync(long position) throws CloneException {
            out.fdatasync();
            stillThere.run();
            writtenAtSync = written;
            writebackFrom = position;
            lastSync = System.nanoTime();
            progress.durable(position);
        }
    }

    /** A check that may fail the clone. */
    @FunctionalInterface
    private interface Check {
        void run() throws CloneException;
    }

    /** The bytes in the data extents of [from, to). */
    static long dataBytes(NativeFile file, long from, long to) throws CloneException {
        long[] total = {0};
        file.walk(from, to, true, (holeStart, holeEnd) -> { }, (dataStart, dataEnd) -> total[0] += dataEnd - dataStart);
        return total[0];
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
