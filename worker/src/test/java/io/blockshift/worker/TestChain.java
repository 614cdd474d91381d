package io.blockshift.worker;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.ImageInfo;
import io.blockshift.activities.files.QemuImg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;

/**
 * A shared backing chain for test VMs, in a scratch directory of its own ({@code bs-test-chain-...}):
 * {@code old/base} (raw or qcow2, 32 MiB, {@link #BASE_PATTERN} in its first MiB) under
 * {@code old/mid.qcow2} ({@link #MID_PATTERN} in its second MiB), and an empty {@code new/} to move to.
 * Removed again on {@link #close()}.
 */
final class TestChain implements AutoCloseable {

    static final int BASE_PATTERN = 0xb1;
    static final int MID_PATTERN = 0xb2;
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    final Path dir;
    final Path old;
    final Path fresh;
    final Path base;
    final String baseFormat;
    final Path mid;

    private TestChain(Path dir, String baseFormat) {
        this.dir = dir;
        this.old = dir.resolve("old");
        this.fresh = dir.resolve("new");
        this.baseFormat = baseFormat;
        this.base = old.resolve(baseFormat.equals("raw") ? "base.img" : "base.qcow2");
        this.mid = old.resolve("mid.qcow2");
    }

    /** Makes base (of {@code baseFormat}) and mid over it, each holding its pattern. */
    static TestChain make(String baseFormat) throws Exception {
        Path dir = Files.createDirectory(TestVm.SCRATCH.resolve(TestVm.PREFIX + "chain-" + UUID.randomUUID().toString()
                .substring(0, 8)));
        TestChain chain = new TestChain(dir, baseFormat);
        try {
            for (Path d : List.of(dir, Files.createDirectory(chain.old), Files.createDirectory(chain.fresh))) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            run("qemu-img", "create", "-q", "-f", baseFormat, chain.base.toString(), "32M");
            run("qemu-io", "-f", baseFormat, "-c", "write -P 0x" + Integer.toHexString(BASE_PATTERN) + " 0 1M",
                    chain.base.toString());
            run("qemu-img", "create", "-q", "-f", "qcow2", "-b", chain.base.toString(), "-F", baseFormat,
                    chain.mid.toString());
            run("qemu-io", "-f", "qcow2", "-c", "write -P 0x" + Integer.toHexString(MID_PATTERN) + " 1M 1M",
                    chain.mid.toString());
            return chain;
        } catch (Exception e) {
            chain.close();
            throw e;
        }
    }

    /** The files of {@code image}'s chain, top first, as qemu-img reads them. */
    static List<String> chainOf(Path image) throws Exception {
        List<String> files = new ArrayList<>();
        for (ImageInfo info : QemuImg.backingChain(image)) {
            files.add(info.filename());
        }
        return files;
    }

    /** The inode of a file, to tell a copy reused from one made again. */
    static Object inode(Path file) throws Exception {
        return Files.getAttribute(file, "unix:ino");
    }

    static void run(String... command) throws Exception {
        Command.run(List.of(command), TIMEOUT);
    }

    @Override
    public void close() throws Exception {
        PathUtils.deleteDirectory(dir);
    }
}
