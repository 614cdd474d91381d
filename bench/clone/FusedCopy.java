import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * A prototype for bench/clone/RESULTS.md, not a cloner: the cheapest checksummed copy this project
 * found, with durability given up, to show how close a verified copy can come to cp on this machine.
 *
 * <pre>java bench/clone/FusedCopy.java SOURCE TARGET [CHUNK_KIB]</pre>
 *
 * <p>One thread reads the source into one of eight small buffers ({@code CHUNK_KIB}, 128 by default)
 * and hashes it while it is in the CPU's cache; the other writes the buffer to the target and reads
 * that range straight back (still cached) and hashes it. So the data crosses memory about as often as
 * in cp, with both checksums of blockshift's plain cloner. Nothing is fdatasynced, nothing resumes,
 * there are no holes, no throttle and no cancel. Prints {@code tool seconds=} (measured inside the
 * JVM, as for blockshift) and both checksums; refuses an existing TARGET.
 */
public final class FusedCopy {

    private record Chunk(ByteBuffer buffer, long position) {
    }

    private static final Chunk END = new Chunk(null, -1);
    private static final int BUFFERS = 8;

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        Path target = Path.of(args[1]);
        int chunkSize = (args.length > 2 ? Integer.parseInt(args[2]) : 128) << 10;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        CRC32C sourceSum = new CRC32C();
        CRC32C targetSum = new CRC32C();
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<Chunk> read = new ArrayBlockingQueue<>(BUFFERS + 1);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocateDirect(chunkSize));
        }
        try (FileChannel in = FileChannel.open(source);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     StandardOpenOption.READ)) {
            long size = in.size();
            Exception[] readFailure = {null};
            Thread reader = new Thread(() -> {
                try {
                    for (long position = 0; position < size; ) {
                        ByteBuffer buffer = free.take().clear();
                        int n = in.read(buffer, position);
                        if (n <= 0) {
                            throw new IOException("source shrank at " + position);
                        }
                        buffer.flip();
                        sourceSum.update(buffer.duplicate());
                        read.put(new Chunk(buffer, position));
                        position += n;
                    }
                } catch (IOException | InterruptedException e) {
                    readFailure[0] = e;
                } finally {
                    read.add(END); // room for it: one more slot than buffers
                }
            }, "read");
            reader.start();
            ByteBuffer back = ByteBuffer.allocateDirect(chunkSize);
            for (Chunk chunk; (chunk = read.take()) != END; ) {
                ByteBuffer buffer = chunk.buffer();
                int n = buffer.remaining();
                while (buffer.hasRemaining()) {
                    out.write(buffer, chunk.position() + buffer.position());
                }
                back.clear().limit(n);
                while (back.hasRemaining()) {
                    out.read(back, chunk.position() + back.position());
                }
                targetSum.update(back.flip());
                free.put(buffer);
            }
            reader.join();
            if (readFailure[0] != null) {
                throw readFailure[0];
            }
        }
        System.out.printf(Locale.ROOT, "tool seconds=%.3f cpuSeconds=%.3f sourceCrc32c=%08x targetCrc32c=%08x%n",
                (System.nanoTime() - start) / 1e9, (os.getProcessCpuTime() - cpuStart) / 1e9,
                sourceSum.getValue(), targetSum.getValue());
    }
}
