package io.blockshift.cloners;

import java.nio.ByteBuffer;

/**
 * Reads a target back and checksums it on a second thread, right behind the copy: the copy says
 * how far the target is written ({@link #upTo}), this thread reads [last, that) back from the target
 * file (its data extents; holes folded in as zeros, exactly as {@link Crc32cSum#update(NativeFile,
 * long, long, ByteBuffer, Runnable)} does for a whole file) into its own buffer and hashes it. On two
 * cores this hides the read-back behind the copy instead of adding a second pass after it.
 *
 * <p>What it reads is what the target file holds once those bytes were written: the same page
 * cache a read after the final fdatasync would see (the copy never rewrites a range it has handed
 * over). It reads through a descriptor of its own: its SEEK_DATA / SEEK_HOLE move the file offset,
 * which the copy's {@code sendfile} writes at. Memory: one buffer.
 */
final class TargetReadBack implements AutoCloseable {

    private static final long WAIT_MILLIS = 100;

    private final NativeFile target;
    private final ByteBuffer buffer;
    private final Crc32cSum sum = new Crc32cSum();
    private final Thread thread;
    private long ready;
    private long done;
    private volatile boolean closed;
    private CloneException failure;

    /** Starts reading back {@code target}, which it opens again for itself. */
    TargetReadBack(NativeFile target, int bufferSize) throws CloneException {
        this.target = target.reopenForReading();
        this.buffer = ByteBuffer.allocateDirect(bufferSize);
        this.thread = new Thread(this::run, "blockshift-read-back " + target.path().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** Everything below {@code offset} is written: read it back. Rethrows what reading back met. */
    synchronized void upTo(long offset) throws CloneException {
        if (failure != null) {
            throw failure;
        }
        if (offset > ready) {
            ready = offset;
            notifyAll();
        }
    }

    /**
     * Waits until everything below {@code offset} is read back, running {@code tick} every
     * {@value #WAIT_MILLIS} ms meanwhile (outside the lock: it may throw to cancel).
     *
     * @return the checksum of the target's [0, offset)
     */
    Crc32cSum await(long offset, Runnable tick) throws CloneException {
        upTo(offset);
        while (true) {
            synchronized (this) {
                if (failure != null) {
                    throw failure;
                }
                if (done >= offset) {
                    return sum;
                }
                try {
                    wait(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CloneException(CloneException.Kind.IO, "clone of " + target.path() + " interrupted", e);
                }
            }
            tick.run();
        }
    }

    private void run() {
        long from = 0;
        try {
            while (true) {
                long to;
                synchronized (this) {
                    while (ready == from && !closed) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    to = ready;
                }
                sum.update(target, from, to, buffer, this::stopIfClosed);
                from = to;
                synchronized (this) {
                    done = to;
                    notifyAll();
                }
            }
        } catch (CloneException e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        } catch (InterruptedException | StoppedByClose e) {
            // closed
        }
    }

    private void stopIfClosed() {
        if (closed) {
            throw new StoppedByClose();
        }
    }

    /** Stops the thread (after the read it may be in) and closes its descriptor. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            target.close();
        }
    }
}
