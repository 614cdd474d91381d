package io.blockshift.cloners;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads the source on a second thread just ahead of the copy: checksums what it reads and, for a
 * sparse copy, finds the chunks that read as all zeros, handing the copy one {@link Chunk} at a
 * time. The copying thread is then left with only the kernel copy of each chunk (which reads the
 * source again, from the page cache this read just filled), and the checksum runs on the other
 * core (the figures: bench/clone/RESULTS.md).
 *
 * <p>It walks the source as the copy used to: the prefix a resumed copy already holds is only
 * checksummed; then the data extents (all of it unless sparse) in chunks aligned to the buffer's
 * size, holes folded into the checksum as zeros. It stays at most {@link #AHEAD} chunks ahead of
 * the copy, so a throttled copy reads the source at the throttled rate too, and what it read is
 * still cached when the kernel copies it. Memory: one buffer.
 */
final class SourceScan implements AutoCloseable {

    /** How many chunks the scan may be ahead of the copy. */
    static final int AHEAD = 16;
    private static final long WAIT_MILLIS = 100;

    /**
     * [position, position + length) of the source, a piece of one data extent.
     *
     * @param zeros whether a sparse copy found it all zeros (and leaves it a hole)
     */
    record Chunk(long position, int length, boolean zeros) {
        long end() {
            return position + length;
        }
    }

    private static final Chunk END = new Chunk(-1, 0, false);

    private final NativeFile source;
    private final long start;
    private final long size;
    private final boolean sparse;
    private final ByteBuffer buffer;
    private final Crc32cSum sum = new Crc32cSum();
    private final BlockingQueue<Chunk> chunks = new ArrayBlockingQueue<>(AHEAD);
    private final Thread thread;
    private volatile boolean closed;
    private volatile CloneException failure;
    private boolean ended;

    /**
     * Starts scanning {@code source}, which is {@code size} bytes long, handing out the chunks of
     * [start, size) and checksumming all of [0, size).
     */
    SourceScan(NativeFile source, long start, long size, boolean sparse, int chunkSize) {
        this.source = source;
        this.start = start;
        this.size = size;
        this.sparse = sparse;
        this.buffer = ByteBuffer.allocateDirect(chunkSize);
        this.thread = new Thread(this::run, "blockshift-source-scan " + source.path().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The next chunk to copy, in order, or null when there are no more. Runs {@code tick} every
     * {@value #WAIT_MILLIS} ms while it waits (it may throw to cancel). Rethrows what the scan met.
     */
    Chunk next(Runnable tick) throws CloneException {
        if (ended) {
            return null;
        }
        while (true) {
            Chunk chunk;
            try {
                chunk = chunks.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloneException(CloneException.Kind.IO, "clone of " + source.path() + " interrupted", e);
            }
            if (chunk == END) {
                ended = true;
                return null;
            }
            if (chunk != null) {
                return chunk;
            }
            if (failure != null) {
                throw failure;
            }
            tick.run();
        }
    }

    /** The checksum of the whole source; only once {@link #next} has returned null. */
    Crc32cSum sum() {
        if (!ended) {
            throw new IllegalStateException("the scan of " + source.path() + " has not ended");
        }
        return sum;
    }

    private void run() {
        try {
            sum.update(source, 0, start, buffer, this::stopIfClosed);
            source.walk(start, size, sparse, (from, to) -> sum.updateZeros(to - from), this::data);
            hand(END);
        } catch (CloneException e) {
            failure = e;
        } catch (StoppedByClose e) {
            // the copy is over
        } catch (RuntimeException e) {
            failure = new CloneException(CloneException.Kind.IO, "reading source " + source.path() + " failed: " + e, e);
        }
    }

    /** Reads, checksums and hands over one data extent, in chunks aligned to the buffer's size. */
    private void data(long from, long to) throws CloneException {
        long position = from;
        while (position < to) {
            int n = (int) Math.min(buffer.capacity() - position % buffer.capacity(), to - position);
            buffer.clear().limit(n);
            if (source.read(buffer, position) < n) {
                throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE,
                        "source " + source.path() + " shrank while copying (end of file before " + (position + n) + ")");
            }
            sum.update(buffer.position(0));
            hand(new Chunk(position, n, sparse && CopyingCloner.isZeros(buffer.position(0))));
            position += n;
        }
    }

    private void hand(Chunk chunk) {
        try {
            while (!chunks.offer(chunk, WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                stopIfClosed();
            }
        } catch (InterruptedException e) {
            throw new StoppedByClose();
        }
    }

    private void stopIfClosed() {
        if (closed) {
            throw new StoppedByClose();
        }
    }

    /** Stops the thread (after the read it may be in) before the source is closed. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
