package io.blockshift.client;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.LibvirtConnections;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.commons.io.file.PathUtils;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A throwaway persistent {@code <domain type='qemu'>} (no guest OS) named {@code bs-test-...} with
 * one raw disk vda full of a byte pattern, in {@code DIR/src}, and an empty {@code DIR/dst} to move
 * it to. {@link #close()} removes the domain and the directory.
 */
final class CliTestVm implements AutoCloseable {

    static final String URI = "qemu:///system";
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    final String name;
    final Path dir;
    final Path image;
    final Path dst;
    private final LibvirtConnections libvirt;
    private final Domain domain;

    private CliTestVm(String name, Path dir, LibvirtConnections libvirt, Domain domain) {
        this.name = name;
        this.dir = dir;
        this.image = dir.resolve("src").resolve("vda.img");
        this.dst = dir.resolve("dst");
        this.libvirt = libvirt;
        this.domain = domain;
    }

    /** Starts {@code name} (it must begin with {@code bs-test-}) with a {@code sizeMiB} disk, in {@code base/name}. */
    static CliTestVm start(LibvirtConnections libvirt, Path base, String name, int sizeMiB) throws Exception {
        if (!name.startsWith("bs-test-")) {
            throw new IllegalArgumentException(name);
        }
        Path dir = Files.createDirectory(base.resolve(name));
        try {
            for (Path d : List.of(dir, Files.createDirectory(dir.resolve("src")), Files.createDirectory(dir.resolve("dst")))) {
                // QEMU runs as libvirt-qemu: it must reach the images.
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path image = dir.resolve("src").resolve("vda.img");
            Command.run(List.of("qemu-img", "create", "-q", "-f", "raw", image.toString(), sizeMiB + "M"), TIMEOUT);
            Command.run(List.of("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 " + sizeMiB + "M", image.toString()), TIMEOUT);
            Domain domain = libvirt.connect(URI).domainDefineXML(DemoVm.domainXml(name, image,
                    "blockshift client test VM; the test that made it removes it"));
            CliTestVm vm = new CliTestVm(name, dir, libvirt, domain);
            try {
                domain.create();
            } catch (LibvirtException e) {
                vm.close();
                throw e;
            }
            return vm;
        } catch (Exception e) {
            if (Files.exists(dir)) {
                PathUtils.deleteDirectory(dir);
            }
            throw e;
        }
    }

    String uuid() throws LibvirtException {
        return domain.getUUIDString();
    }

    Disk liveDisk() throws LibvirtException {
        return libvirt.guest(URI, name).liveDisk("vda");
    }

    Disk persistentDisk() throws LibvirtException {
        return Disk.find(libvirt.guest(URI, name).persistentDisks(), "vda").orElseThrow();
    }

    String liveXml() throws LibvirtException {
        return domain.getXMLDesc(0);
    }

    /** Every file under the VM's directory, relative to it, sorted. */
    List<String> files() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> names.add(dir.relativize(p).toString()));
        }
        names.sort(null);
        return names;
    }

    /** CRC32C of a file's bytes. */
    static long checksum(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }

    @Override
    public void close() throws Exception {
        try {
            if (domain.isActive() == 1) {
                domain.destroy();
            }
        } finally {
            try {
                // VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2
                domain.undefine(2);
            } finally {
                PathUtils.deleteDirectory(dir);
            }
        }
    }
}
