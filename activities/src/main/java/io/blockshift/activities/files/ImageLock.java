package io.blockshift.activities.files;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An image held the way {@code qemu-img} holds one it reads without {@code -U}: QEMU's own image
 * locking (block/file-posix.c) then refuses any QEMU that would open it for writing, so a VM cannot
 * start on it ("Failed to get "write" lock") while this is held.
 *
 * <p>QEMU's protocol: open file description (OFD) byte-range locks, one byte per permission bit
 * {@code i} (consistent read 0, write 1, write unchanged 2, resize 3): a shared lock on byte
 * {@code 100 + i} for a permission it holds, a shared lock on byte {@code 200 + i} for one it does
 * not let others have. Before it goes on, each opener tests (as an exclusive lock would) the bytes
 * {@code 200 + i} of what it wants and {@code 100 + i} of what it does not share. A holder of this
 * lock has consistent read and shares everything but write: bytes 100 and 201, then tests 200 and 101.
 * Both sides lock first and test after, so of two racing openers at least one sees the other.
 * The locks go when the descriptor is closed, or with the process.
 */
public final class ImageLock implements AutoCloseable {

    /** QEMU's RAW_LOCK_PERM_BASE and RAW_LOCK_SHARED_BASE. */
    static final int PERM_BASE = 100;
    static final int SHARED_BASE = 200;
    static final int CONSISTENT_READ = 0;
    static final int WRITE = 1;

    private final Path image;
    private int fd;

    private ImageLock(Path image, int fd) {
        this.image = image;
        this.fd = fd;
    }

    /** Thrown when another process has the image open in a way this lock excludes (a running VM writes to it). */
    public static final class Busy extends IOException {
        Busy(String message) {
            super(message);
        }
    }

    /**
     * Holds {@code image}; {@link Busy} when a process has it open for writing (a QEMU that runs a VM
     * on it) or does not let it be read.
     */
    public static ImageLock hold(Path image) throws IOException {
        byte[] path = (image.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        int fd = C.INSTANCE.open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open " + image + " to lock it: " + C.INSTANCE.strerror(Native.getLastError()));
        }
        ImageLock lock = new ImageLock(image, fd);
        try {
            lock.lockShared(PERM_BASE + CONSISTENT_READ);
            lock.lockShared(SHARED_BASE + WRITE);
            lock.requireUnlocked(PERM_BASE + WRITE, "a process has it open for writing (a VM running on it?)");
            lock.requireUnlocked(SHARED_BASE + CONSISTENT_READ, "a process holds it and lets nothing else read it");
            return lock;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public Path image() {
        return image;
    }

    private void lockShared(int offset) throws IOException {
        Flock lock = Flock.of(F_RDLCK, offset);
        if (C.INSTANCE.fcntl(fd, F_OFD_SETLK, lock) != 0) {
            int errno = Native.getLastError();
            if (errno == EAGAIN || errno == EACCES) {
                throw new Busy(image + " is locked: a process holds byte " + offset + " of QEMU's image locks");
            }
            throw new IOException("cannot lock byte " + offset + " of " + image + ": " + C.INSTANCE.strerror(errno));
        }
    }

    private void requireUnlocked(int offset, String why) throws IOException {
        if (lockedByOthers(offset)) {
            throw new Busy(image + " is in use: " + why);
        }
    }

    /** Whether an exclusive lock on {@code offset} would conflict with another open description's lock. */
    private boolean lockedByOthers(int offset) throws IOException {
        Flock probe = Flock.of(F_WRLCK, offset);
        if (C.INSTANCE.fcntl(fd, F_OFD_GETLK, probe) != 0) {
            throw new IOException("cannot test byte " + offset + " of " + image + ": "
                    + C.INSTANCE.strerror(Native.getLastError()));
        }
        return probe.l_type != F_UNLCK;
    }

    /** Lets go of the image. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            C.INSTANCE.close(fd);
            fd = -1;
        }
    }

    // Linux's values, the same on x86_64 and aarch64.
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    private static final int EACCES = 13;
    private static final int EAGAIN = 11;

    /** {@code struct flock}: l_type, l_whence, then 64-bit l_start and l_len, and l_pid (0 for OFD locks). */
    @Structure.FieldOrder({"l_type", "l_whence", "l_start", "l_len", "l_pid"})
    public static class Flock extends Structure {
        public short l_type;
        public short l_whence;
        public long l_start;
        public long l_len;
        public int l_pid;

        static Flock of(short type, int offset) {
            Flock lock = new Flock();
            lock.l_type = type;
            lock.l_whence = SEEK_SET;
            lock.l_start = offset;
            lock.l_len = 1;
            return lock;
        }
    }

    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        /** {@code path} is NUL-terminated. */
        int open(byte[] path, int flags, int mode);

        int close(int fd);

        int fcntl(int fd, int cmd, Flock lock);

        String strerror(int errnum);
    }
}
