package io.blockshift.cloners;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;

/**
 * The few libc calls the cloners need that the JDK does not offer (sparse seeks, in-kernel copies,
 * reflinks), bound with JNA. Errno comes from {@link Native#getLastError()} right after a call.
 *
 * <p>Constants are Linux's generic values, the same on x86_64 and aarch64. {@code off_t},
 * {@code size_t} and {@code ssize_t} are 64-bit there, so they map to {@code long}.
 */
interface Libc extends Library {

    Libc C = Native.load("c", Libc.class);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_TRUNC = 01000;
    int O_CLOEXEC = 02000000;

    int SEEK_SET = 0;
    int SEEK_END = 2;
    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;

    int SYNC_FILE_RANGE_WRITE = 2;
    int POSIX_FADV_SEQUENTIAL = 2;

    /** {@code _IOW(0x94, 9, int)}: make the destination share the source's blocks. */
    long FICLONE = 0x40049409L;

    int EPERM = 1;
    int ENOENT = 2;
    int EINTR = 4;
    int EIO = 5;
    int ENXIO = 6;
    int EBADF = 9;
    int EACCES = 13;
    int EEXIST = 17;
    int EXDEV = 18;
    int EINVAL = 22;
    int ENOTTY = 25;
    int ENOSPC = 28;
    int ENOSYS = 38;
    int EOPNOTSUPP = 95;
    int EDQUOT = 122;

    /** {@code path} is NUL-terminated. */
    int open(byte[] path, int flags, int mode);

    int close(int fd);

    long lseek(int fd, long offset, int whence);

    long pread(int fd, Pointer buf, long count, long offset);

    long pwrite(int fd, Pointer buf, long count, long offset);

    long sendfile(int outFd, int inFd, LongByReference inOffset, long count);

    long copy_file_range(int fdIn, LongByReference offIn, int fdOut, LongByReference offOut, long len, int flags);

    int ioctl(int fd, long request, int arg);

    int ftruncate(int fd, long length);

    int fdatasync(int fd);

    int fsync(int fd);

    int sync_file_range(int fd, long offset, long nbytes, int flags);

    /** Returns the error number itself (not -1 and errno). */
    int posix_fadvise(int fd, long offset, long len, int advice);

    String strerror(int errnum);
}
