import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * For bench/clone/run: where a checksummed, durable copy's time goes, each stage timed alone, one
 * after the other, as blockshift's plain or sparse cloner does it (page-cached source, 1 MiB chunks).
 *
 * <pre>java -cp JNA_JAR bench/clone/Stages.java plain|sparse SOURCE TARGET</pre>
 *
 * <p>Prints {@code cloner= read= hash= copy= fdatasync= readBack=} in seconds: reading the source's data
 * into a buffer; the CRC32C of it (the time in CRC32C.update); the kernel copy into the target's page
 * cache (sparse: copy_file_range of each data extent, plain: sendfile of all of it), no sync; the
 * fdatasync after it, i.e. the disk writing it all; reading the target's data back and hashing it.
 * blockshift runs the same stages at once on two cores and the disk; their sum is the serial cost.
 * TARGET is created and left for the caller to remove.
 */
public class Stages {

    interface Libc extends Library {
        Libc C = Native.load("c", Libc.class);

        int open(String path, int flags, int mode);

        int close(int fd);

        long lseek(int fd, long offset, int whence);

        long pread(int fd, Pointer buffer, long count, long offset);

        long sendfile(int outFd, int inFd, LongByReference inOffset, long count);

        long copy_file_range(int inFd, LongByReference inOffset, int outFd, LongByReference outOffset, long length, int flags);

        int ftruncate(int fd, long length);

        int fdatasync(int fd);
    }

    static final Libc C = Libc.C;
    static final int CHUNK = 1 << 20;
    static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(CHUNK);
    /** Time spent in CRC32C.update since last set to 0. */
    static long hashNanos;

    interface Extent {
        void accept(long from, long to);
    }

    public static void main(String[] args) {
        boolean sparse = args[0].equals("sparse");
        int in = check(C.open(args[1], 0, 0), "open " + args[1]);
        int out = check(C.open(args[2], 2 | 0100 | 0200, 0644), "create " + args[2]); // O_RDWR | O_CREAT | O_EXCL
        long size = C.lseek(in, 0, 2);
        read(in, size, sparse, new CRC32C()); // warms the JIT; the bench has already cached the file
        long readNanos = read(in, size, sparse, null);
        hashNanos = 0;
        read(in, size, sparse, new CRC32C());
        long sourceHashNanos = hashNanos;
        long copyStart = System.nanoTime();
        check(C.ftruncate(out, size), "truncate");
        extents(in, size, sparse, (from, to) -> {
            LongByReference inOffset = new LongByReference(from);
            for (long done = from; done < to; ) {
                long n = sparse
                        ? C.copy_file_range(in, inOffset, out, new LongByReference(done), to - done, 0)
                        : sendfile(out, in, inOffset, done, to - done);
                done += check(n, "copy");
            }
        });
        long syncStart = System.nanoTime();
        check(C.fdatasync(out), "fdatasync");
        long syncEnd = System.nanoTime();
        long readBackNanos = read(out, size, true, new CRC32C()); // with its hashing, as blockshift does
        System.out.printf(Locale.ROOT, "cloner=%s read=%.3f hash=%.3f copy=%.3f fdatasync=%.3f readBack=%.3f%n",
                args[0], readNanos / 1e9, sourceHashNanos / 1e9, (syncStart - copyStart) / 1e9, (syncEnd - syncStart) / 1e9, readBackNanos / 1e9);
        C.close(out);
        C.close(in);
    }

    static long sendfile(int out, int in, LongByReference inOffset, long at, long length) {
        C.lseek(out, at, 0);
        return C.sendfile(out, in, inOffset, Math.min(length, 1L << 30));
    }

    /** Reads (and hashes, given a CRC) the data extents of fd, in 1 MiB chunks aligned to 1 MiB: nanoseconds. */
    static long read(int fd, long size, boolean sparse, CRC32C crc) {
        long start = System.nanoTime();
        Pointer buffer = Native.getDirectBufferPointer(BUFFER);
        extents(fd, size, sparse, (from, to) -> {
            for (long position = from; position < to; ) {
                int n = (int) Math.min(CHUNK - position % CHUNK, to - position);
                check(C.pread(fd, buffer, n, position), "read");
                if (crc != null) {
                    long hashStart = System.nanoTime();
                    crc.update(BUFFER.clear().limit(n));
                    hashNanos += System.nanoTime() - hashStart;
                }
                position += n;
            }
        });
        return System.nanoTime() - start;
    }

    /** The data extents of fd (SEEK_DATA, SEEK_HOLE), or all of it unless sparse. */
    static void extents(int fd, long size, boolean sparse, Extent extent) {
        for (long position = 0; position < size; ) {
            long data = sparse ? C.lseek(fd, position, 3) : position;
            if (data < 0) {
                return;
            }
            long hole = sparse ? C.lseek(fd, data, 4) : size;
            extent.accept(data, hole);
            position = hole;
        }
    }

    static long check(long result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + ": errno " + Native.getLastError());
        }
        return result;
    }

    static int check(int result, String what) {
        return (int) check((long) result, what);
    }
}
