package io.blockshift.cloners;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * A file opened with libc {@code open()}, so that the sparse seeks, {@code copy_file_range} and
 * {@code FICLONE} can use its descriptor. Failures become {@link CloneException}s whose kind depends
 * on whether this is the source or the target (ENOENT on the source is SOURCE_UNAVAILABLE, ENOSPC on
 * the target NO_SPACE, EIO anywhere IO).
 *
 * <p>Buffers passed in must be direct; their position is ignored, their limit is the length.
 */
final class NativeFile implements AutoCloseable {

    enum Role { SOURCE, TARGET }

    private final Path path;
    private final Role role;
    private final int fd;
    private boolean closed;

    private NativeFile(Path path, Role role, int fd) {
        this.path = path;
        this.role = role;
        this.fd = fd;
    }

    /** Opens the source read-only. */
    static NativeFile openSource(Path path) throws CloneException {
        return open(path, Role.SOURCE, Libc.O_RDONLY | Libc.O_CLOEXEC, 0, "open source");
    }

    /** Creates a new target; fails with TARGET_EXISTS if anything is already there. */
    static NativeFile createTarget(Path path, int mode) throws CloneException {
        return open(path, Role.TARGET, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, mode, "create target");
    }

    /** Opens an existing target, the partial copy of an earlier attempt. */
    static NativeFile openTarget(Path path) throws CloneException {
        return open(path, Role.TARGET, Libc.O_RDWR | Libc.O_CLOEXEC, 0, "open target");
    }

    /** Opens a finished target read-only, to checksum it again. */
    static NativeFile openFinishedTarget(Path path) throws CloneException {
        return open(path, Role.TARGET, Libc.O_RDONLY | Libc.O_CLOEXEC, 0, "open target");
    }

    /**
     * This same file opened again, read-only, with a file offset of its own (through
     * {@code /proc/self/fd}, so it is this file even if its path now names another): for a thread
     * that reads it while another writes it with {@link #sendFrom}, which moves the file offset.
     */
    NativeFile reopenForReading() throws CloneException {
        return open(Path.of("/proc/self/fd/" + fd), role, Libc.O_RDONLY | Libc.O_CLOEXEC, 0, "open again", path);
    }

    private static NativeFile open(Path path, Role role, int flags, int mode, String what) throws CloneException {
        return open(path, role, flags, mode, what, path);
    }

    private static NativeFile open(Path path, Role role, int flags, int mode, String what, Path name)
            throws CloneException {
        byte[] bytes = path.toString().getBytes(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
        int fd = Libc.C.open(Arrays.copyOf(bytes, bytes.length + 1), flags, mode);
        if (fd < 0) {
            throw failure(what, name, role, Native.getLastError());
        }
        return new NativeFile(name, role, fd);
    }

    Path path() {
        return path;
    }

    long size() throws CloneException {
        long end = Libc.C.lseek(fd, 0, Libc.SEEK_END);
        if (end < 0) {
            throw failure("size of", Native.getLastError());
        }
        return end;
    }

    /** The first offset at or after {@code from} that holds data, or -1 if only a hole remains. */
    long nextData(long from) throws CloneException {
        long at = Libc.C.lseek(fd, from, Libc.SEEK_DATA);
        if (at >= 0) {
            return at;
        }
        int errno = Native.getLastError();
        if (errno == Libc.ENXIO) {
            return -1;
        }
        if (errno == Libc.EINVAL) {
            return from; // no SEEK_DATA here: all of it is data
        }
        throw failure("seek data in", errno);
    }

    /** The first hole at or after {@code from}; the end of the file counts as one. */
    long nextHole(long from) throws CloneException {
        long at = Libc.C.lseek(fd, from, Libc.SEEK_HOLE);
        if (at >= 0) {
            return at;
        }
        int errno = Native.getLastError();
        if (errno == Libc.ENXIO || errno == Libc.EINVAL) {
            return size();
        }
        throw failure("seek hole in", errno);
    }

    /** What to do with one range of a file. */
    @FunctionalInterface
    interface Range {
        void accept(long from, long to) throws CloneException;
    }

    /**
     * Walks [from, to) in order, handing each hole and each data extent to {@code hole} and
     * {@code data} (never an empty range). Unless {@code sparse}, all of it is one data extent.
     */
    void walk(long from, long to, boolean sparse, Range hole, Range data) throws CloneException {
        long position = from;
        while (position < to) {
            long next = sparse ? nextData(position) : position;
            long dataStart = next < 0 ? to : Math.min(next, to);
            if (dataStart > position) {
                hole.accept(position, dataStart);
            }
            if (dataStart < to) {
                long dataEnd = sparse ? Math.min(nextHole(dataStart), to) : to;
                data.accept(dataStart, dataEnd);
                position = dataEnd;
            } else {
                position = to;
            }
        }
    }

    /** Reads {@code buffer.limit()} bytes at {@code offset}; fewer only at the end of the file. */
    int read(ByteBuffer buffer, long offset) throws CloneException {
        return transfer(false, buffer, offset);
    }

    /** Writes the first {@code buffer.limit()} bytes at {@code offset}. */
    void write(ByteBuffer buffer, long offset) throws CloneException {
        if (transfer(true, buffer, offset) < buffer.limit()) {
            throw new CloneException(CloneException.Kind.IO, "short write to " + path + " at offset " + offset);
        }
    }

    /** pread or pwrite until the buffer's limit, the end of the file or an error. */
    private int transfer(boolean write, ByteBuffer buffer, long offset) throws CloneException {
        Pointer base = Native.getDirectBufferPointer(buffer);
        int want = buffer.limit();
        int done = 0;
        while (done < want) {
            long n = write
                    ? Libc.C.pwrite(fd, base.share(done), want - done, offset + done)
                    : Libc.C.pread(fd, base.share(done), want - done, offset + done);
            if (n == 0) {
                break;
            }
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == Libc.EINTR) {
                    continue;
                }
                throw failure(write ? "write" : "read", offset + done, errno);
            }
            done += (int) n;
        }
        return done;
    }

    /**
     * Copies {@code length} bytes at {@code offset} from {@code source} to the same offset here with
     * {@code copy_file_range}: the kernel copies without user space, an NFS 4.2 server copies on its
     * side, XFS and btrfs share the blocks.
     *
     * @return false, having copied nothing, when the kernel cannot do it for these two files
     */
    boolean copyFrom(NativeFile source, long offset, long length) throws CloneException {
        LongByReference in = new LongByReference(offset);
        LongByReference out = new LongByReference(offset);
        return copyInKernel(source, offset, length,
                remaining -> Libc.C.copy_file_range(source.fd, in, fd, out, remaining, 0),
                COPY_FILE_RANGE_CANNOT);
    }

    /**
     * Copies {@code length} bytes at {@code offset} from {@code source} to the same offset here with
     * {@code sendfile}: the kernel copies through the page cache without user space, and unlike
     * {@code copy_file_range} never makes the two files share blocks, so every byte is written.
     * Moves this file's offset.
     *
     * @return false, having copied nothing, when the kernel cannot do it for these two files
     */
    boolean sendFrom(NativeFile source, long offset, long length) throws CloneException {
        if (Libc.C.lseek(fd, offset, Libc.SEEK_SET) < 0) {
            throw failure("seek in", Native.getLastError());
        }
        LongByReference in = new LongByReference(offset);
        return copyInKernel(source, offset, length, remaining -> Libc.C.sendfile(fd, source.fd, in, remaining),
                SENDFILE_CANNOT);
    }

    /** Errors of a first copy_file_range that mean these two files cannot be copied that way. */
    private static final Set<Integer> COPY_FILE_RANGE_CANNOT =
            Set.of(Libc.EXDEV, Libc.EINVAL, Libc.ENOSYS, Libc.EOPNOTSUPP, Libc.EBADF);
    /** The same for sendfile. */
    private static final Set<Integer> SENDFILE_CANNOT = Set.of(Libc.EINVAL, Libc.ENOSYS, Libc.EOPNOTSUPP);

    /** One kernel copy call: copies at most {@code remaining} bytes, returns how many, or -1 with errno set. */
    private interface KernelCopy {
        long copy(long remaining);
    }

    /**
     * Calls {@code call} until {@code length} bytes are copied; false when the first call fails with
     * one of {@code cannot} (the kernel cannot copy these two files this way: nothing was copied).
     */
    private boolean copyInKernel(NativeFile source, long offset, long length, KernelCopy call, Set<Integer> cannot)
            throws CloneException {
        long done = 0;
        while (done < length) {
            long n = call.copy(length - done);
            if (n > 0) {
                done += n;
                continue;
            }
            if (n == 0) {
                throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE,
                        "source " + source.path + " shrank while copying (end of file at " + (offset + done) + ")");
            }
            int errno = Native.getLastError();
            if (errno == Libc.EINTR) {
                continue;
            }
            if (done == 0 && cannot.contains(errno)) {
                return false;
            }
            throw failure("copy into", offset + done, errno);
        }
        return true;
    }

    /**
     * Makes this file share all of {@code source}'s blocks ({@code FICLONE}).
     *
     * @return 0, or the errno that says this filesystem (or this pair of files) cannot clone
     */
    int cloneFrom(NativeFile source) throws CloneException {
        if (Libc.C.ioctl(fd, Libc.FICLONE, source.fd) == 0) {
            return 0;
        }
        int errno = Native.getLastError();
        if (errno == Libc.EOPNOTSUPP || errno == Libc.EXDEV || errno == Libc.EINVAL || errno == Libc.ENOTTY
                || errno == Libc.ENOSYS) {
            return errno;
        }
        throw failure("clone " + source.path + " into", errno);
    }

    void truncate(long size) throws CloneException {
        if (Libc.C.ftruncate(fd, size) != 0) {
            throw failure("set the size of", Native.getLastError());
        }
    }

    /** Puts the data, and what it takes to read it back, on stable storage. */
    void fdatasync() throws CloneException {
        if (Libc.C.fdatasync(fd) != 0) {
            throw failure("sync", Native.getLastError());
        }
    }

    /**
     * Starts writeback of the dirty pages in [offset, offset + length) without waiting for it
     * ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}), so that a later {@link #fdatasync()} finds
     * most of the data already on its way to the disk. Only a hint: it makes nothing durable, and
     * an error here (none is expected) is left for that fdatasync to report.
     */
    void startWriteback(long offset, long length) {
        if (length > 0) {
            Libc.C.sync_file_range(fd, offset, length, Libc.SYNC_FILE_RANGE_WRITE);
        }
    }

    /** Tells the kernel this file is read from start to end (a larger readahead when not cached). */
    void adviseSequential() {
        Libc.C.posix_fadvise(fd, 0, 0, Libc.POSIX_FADV_SEQUENTIAL);
    }

    /** Like {@link #fdatasync()}, with all metadata too. */
    void fsync() throws CloneException {
        if (Libc.C.fsync(fd) != 0) {
            throw failure("sync", Native.getLastError());
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.C.close(fd);
        }
    }

    static String describe(int errno) {
        return Libc.C.strerror(errno) + " (errno " + errno + ")";
    }

    private CloneException failure(String what, long offset, int errno) {
        return failure(what + " at offset " + offset + " of", path, role, errno);
    }

    private CloneException failure(String what, int errno) {
        return failure(what, path, role, errno);
    }

    private static CloneException failure(String what, Path path, Role role, int errno) {
        String message = "cannot " + what + " " + path + ": " + describe(errno);
        return switch (errno) {
            case Libc.ENOSPC, Libc.EDQUOT -> new CloneException(CloneException.Kind.NO_SPACE,
                    message + "; free space on the target's filesystem or choose another target");
            case Libc.EEXIST -> new CloneException(CloneException.Kind.TARGET_EXISTS,
                    message + "; blockshift never overwrites a file");
            case Libc.ENOENT, Libc.EACCES, Libc.EPERM -> new CloneException(
                    role == Role.SOURCE ? CloneException.Kind.SOURCE_UNAVAILABLE : CloneException.Kind.IO, message);
            default -> new CloneException(CloneException.Kind.IO, message);
        };
    }
}
