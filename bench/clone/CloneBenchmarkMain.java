import com.sun.management.OperatingSystemMXBean;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloners;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * For bench/clone/run only (operators use {@code ./blockshift clone}), which compiles it against the
 * cloners jar: clones one file with a named cloner and prints one line of figures measured inside
 * the JVM, so JVM start-up is not counted.
 *
 * <pre>java -cp CLONERS_CLASSPATH:CLASSES CloneBenchmarkMain CLONER SOURCE TARGET [--no-verify] [--bandwidth BYTES_PER_S]</pre>
 *
 * <p>Prints {@code cloner= seconds= copySeconds= cpuSeconds= nativeInitSeconds= bytesCopied= size= heapPeakMiB= directMiB= rssPeakMiB=}:
 * seconds is the whole clone, copySeconds until the target was durable (before the target checksum),
 * cpuSeconds the CPU time of all the JVM's threads during the clone (user and system; the kernel's
 * writeback threads not included),
 * nativeInitSeconds the one-time loading of libc through JNA (not part of seconds),
 * heapPeakMiB the JVM's peak heap use, rssPeakMiB the process's peak resident set (VmHWM).
 */
public final class CloneBenchmarkMain {

    private CloneBenchmarkMain() {
    }

    public static void main(String[] args) throws IOException, ClassNotFoundException {
        if (args.length < 3) {
            System.err.println("usage: CloneBenchmarkMain CLONER SOURCE TARGET [--no-verify] [--bandwidth BYTES_PER_S]");
            System.exit(2);
        }
        Path source = Path.of(args[1]).toAbsolutePath();
        Path target = Path.of(args[2]).toAbsolutePath();
        CloneRequest request = CloneRequest.of(source, target);
        for (int i = 3; i < args.length; i++) {
            switch (args[i]) {
                case "--no-verify" -> request = request.withVerify(false);
                case "--bandwidth" -> request = request.withBandwidth(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Cloners.Choice choice = Cloners.discover().choose(args[0], source, target.getParent());
        System.err.println(choice.reason());
        long size = Files.size(source);
        long nativeStart = System.nanoTime();
        // Loads libc through JNA (the cloners' package-private Libc): once per JVM, so outside the clone's time.
        Class.forName("io.blockshift.cloners.Libc", true, Cloners.class.getClassLoader());
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        long[] durableAt = {0};
        CloneResult result = choice.cloner().clone(request, (offset, done, total) -> {
            if (offset == size && durableAt[0] == 0) {
                durableAt[0] = System.nanoTime();
            }
        });
        long end = System.nanoTime();
        long cpu = os.getProcessCpuTime() - cpuStart;
        long heapPeak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getTotalCapacity).sum();
        System.out.printf(Locale.ROOT, "cloner=%s seconds=%.3f copySeconds=%.3f cpuSeconds=%.3f nativeInitSeconds=%.3f bytesCopied=%d size=%d heapPeakMiB=%.1f directMiB=%.1f rssPeakMiB=%.1f checksum=%s%n",
                result.cloner(), (end - start) / 1e9, ((durableAt[0] == 0 ? end : durableAt[0]) - start) / 1e9, cpu / 1e9,
                (start - nativeStart) / 1e9,
                result.bytesCopied(), result.size(), heapPeak / 1048576.0, direct / 1048576.0, peakRssKiB() / 1024.0,
                result.targetChecksum());
    }

    private static long peakRssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
