package io.blockshift.cloners;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A filesystem on a loop device for one test class: a sparse image file in the temp directory,
 * made with mkfs and mounted on a {@code bs-test-} directory. Only as root; tests skip otherwise.
 * {@link #close()} unmounts and removes the image and the mount point.
 */
final class LoopMount implements AutoCloseable {

    private final Path image;
    private final Path mountPoint;
    private boolean mounted;

    private LoopMount(Path image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /** XFS with reflink: at least 300 MiB, mkfs.xfs's minimum. */
    static LoopMount xfsWithReflink(long megabytes) throws IOException {
        return make(megabytes, "mkfs.xfs", "-q", "-m", "reflink=1");
    }

    static LoopMount ext4(long megabytes) throws IOException {
        return make(megabytes, "mkfs.ext4", "-q", "-F");
    }

    private static LoopMount make(long megabytes, String mkfs, String... options) throws IOException {
        Assumptions.assumeTrue(TestFiles.isRoot(), "loop mounts need root");
        Assumptions.assumeTrue(TestFiles.onPath(mkfs), mkfs + " is not installed");
        Path mountPoint = TestFiles.newDirectory(TestFiles.tmp());
        LoopMount mount = new LoopMount(mountPoint.resolveSibling(mountPoint.getFileName() + ".img"), mountPoint);
        try {
            TestFiles.run("truncate", "-s", megabytes + "M", mount.image.toString());
            String[] command = new String[options.length + 2];
            command[0] = mkfs;
            System.arraycopy(options, 0, command, 1, options.length);
            command[command.length - 1] = mount.image.toString();
            TestFiles.run(command);
            try {
                TestFiles.run("mount", "-o", "loop", mount.image.toString(), mountPoint.toString());
            } catch (IOException e) {
                Assumptions.abort("cannot loop-mount here (no loop devices?): " + e.getMessage());
            }
            mount.mounted = true;
        } catch (IOException | RuntimeException e) {
            mount.close(); // also when the assumption above aborts
            throw e;
        }
        return mount;
    }

    Path dir() {
        return mountPoint;
    }

    @Override
    public void close() throws IOException {
        try {
            if (mounted) {
                try {
                    TestFiles.run("umount", mountPoint.toString());
                } catch (IOException busy) {
                    TestFiles.run("umount", "-l", mountPoint.toString());
                }
                mounted = false;
            }
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(mountPoint);
        }
    }
}
