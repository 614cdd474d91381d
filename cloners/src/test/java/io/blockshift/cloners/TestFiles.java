package io.blockshift.cloners;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Files for tests, and what a user would check about them: bytes, allocated blocks, shared extents. */
final class TestFiles {

    /** Every file, directory and mount a test makes starts with this. */
    static final String PREFIX = "bs-test-";
    static final int MiB = 1 << 20;

    private TestFiles() {
    }

    static Path newDirectory(Path parent) throws IOException {
        return Files.createDirectory(parent.resolve(PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1)));
    }

    static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A sparse file of {@code size} bytes with random data at the given (offset, length) pairs. */
    static Path sparseFile(Path path, long size, long... extents) throws IOException {
        Files.createFile(path);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size);
        }
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
            Random random = new Random(path.hashCode());
            for (int i = 0; i < extents.length; i += 2) {
                byte[] bytes = new byte[(int) extents[i + 1]];
                random.nextBytes(bytes);
                out.write(ByteBuffer.wrap(bytes), extents[i]);
            }
        }
        return path;
    }

    /** A file of {@code size} random bytes, every block allocated. */
    static Path randomFile(Path path, long size) throws IOException {
        return sparseFile(path, size, 0, size);
    }

    static void writeZeros(Path path, long offset, int length) throws IOException {
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.allocate(length), offset);
        }
    }

    /** 512-byte blocks allocated to the file, as {@code stat -c %b} says. */
    static long allocatedBlocks(Path path) throws IOException {
        return Long.parseLong(run("stat", "-c", "%b", path.toString()).strip());
    }

    /** Whether {@code filefrag -v} marks any extent of the file as shared. */
    static boolean hasSharedExtents(Path path) throws IOException {
        return run("filefrag", "-v", path.toString()).lines().anyMatch(line -> line.contains("shared"));
    }

    /** The CRC32C of every byte, read the plain way. */
    static String crc32cOfEveryByte(Path path) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(MiB);
        try (FileChannel in = FileChannel.open(path)) {
            while (in.read(buffer.clear()) > 0) {
                crc.update(buffer.flip());
            }
        }
        return String.format("%08x", crc.getValue());
    }

    static boolean sameBytes(Path a, Path b) throws IOException {
        return Files.mismatch(a, b) == -1;
    }

    /** The names in {@code directory}, sorted. */
    static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Runs a program (an argument list, no shell) and returns its stdout; fails on a non-zero exit. */
    static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return output;
    }

    static boolean isRoot() {
        try {
            return run("id", "-u").strip().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean onPath(String program) {
        return Stream.of(System.getenv("PATH").split(":"), new String[] {"/sbin", "/usr/sbin"})
                .flatMap(Stream::of)
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }
}
