package io.blockshift.worker;

import io.blockshift.activities.files.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * An XFS filesystem with reflink=1 on a loop device: a sparse image file under /var/tmp mounted on
 * a directory beside it, both named {@code bs-test-xfs-...}. {@link #close()} unmounts it and
 * removes both, whatever state {@link #create} got to.
 */
final class XfsMount implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    final Path dir;
    private final Path image;
    private boolean mounted;

    private XfsMount(Path dir) {
        this.dir = dir;
        this.image = dir.resolveSibling(dir.getFileName() + ".img");
    }

    static XfsMount create(int sizeMiB) throws Exception {
        XfsMount mount = new XfsMount(Path.of("/var/tmp", TestVm.PREFIX + "xfs-" + UUID.randomUUID().toString().substring(0, 8)));
        try {
            Files.createDirectory(mount.dir);
            run("truncate", "-s", sizeMiB + "M", mount.image.toString());
            run("mkfs.xfs", "-q", "-m", "reflink=1", mount.image.toString());
            run("mount", "-o", "loop", mount.image.toString(), mount.dir.toString());
            mount.mounted = true;
            // QEMU runs as libvirt-qemu: it must reach the images below.
            Files.setPosixFilePermissions(mount.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return mount;
        } catch (Exception e) {
            mount.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (mounted) {
                try {
                    run("umount", dir.toString());
                } catch (IOException busy) {
                    run("umount", "-l", dir.toString());
                }
                mounted = false;
            }
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        }
    }

    static String run(String... command) throws Exception {
        return Command.run(List.of(command), TIMEOUT);
    }
}
