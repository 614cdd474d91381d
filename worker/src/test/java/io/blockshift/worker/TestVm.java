package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.GuestlessDomainXml;
import io.blockshift.activities.libvirt.LibvirtConnections;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.commons.io.file.PathUtils;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A throwaway persistent {@code <domain type='qemu'>} with no guest OS ({@link GuestlessDomainXml})
 * in a scratch directory of its own: a disk vda to move and a disk vdb that must stay put, or (for
 * the client's tests, whose fleets move every disk of a VM) vda alone, full of a byte pattern.
 * Everything it creates carries the prefix {@code bs-test-} and goes again on {@link #close()}.
 * Shared with the client's tests through this module's test-jar.
 */
public final class TestVm implements AutoCloseable {

    public static final String URI = "qemu:///system";
    public static final String PREFIX = "bs-test-";
    public static final Path SCRATCH = Path.of("/var/tmp");
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1
    private static final int HMP = 1;

    public final String name;
    public final Path dir;
    public final Path src;
    public final Path dst;
    public final Path vda;
    /** The disk that stays put, or null on a VM with vda alone. */
    public final Path vdb;
    public final String format;
    private final LibvirtConnections libvirt;
    private final Domain domain;

    private TestVm(String name, Path dir, String format, boolean withVdb, LibvirtConnections libvirt, Domain domain) {
        this.name = name;
        this.dir = dir;
        this.src = dir.resolve("src");
        this.dst = dir.resolve("dst");
        this.vda = vdaIn(src, format);
        this.vdb = withVdb ? vdbIn(src) : null;
        this.format = format;
        this.libvirt = libvirt;
        this.domain = domain;
    }

    /** Defines and starts a VM whose vda is a {@code sizeMiB} image in {@code format}. */
    public static TestVm start(LibvirtConnections libvirt, String format, int sizeMiB) throws Exception {
        return start(libvirt, format, sizeMiB, SCRATCH);
    }

    /** As {@link #start(LibvirtConnections, String, int)}, with the VM's directory in {@code base}. */
    public static TestVm start(LibvirtConnections libvirt, String format, int sizeMiB, Path base) throws Exception {
        return start(libvirt, base, PREFIX + UUID.randomUUID().toString().substring(0, 8), format, sizeMiB, true, null);
    }

    /**
     * Starts {@code name} (it must begin with {@code bs-test-}) in {@code base/name} with a raw vda of
     * {@code sizeMiB} MiB all holding {@code pattern}, and no vdb.
     */
    public static TestVm startWithVdaAlone(LibvirtConnections libvirt, Path base, String name, int sizeMiB, int pattern)
            throws Exception {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException(name);
        }
        return start(libvirt, base, name, "raw", sizeMiB, false, pattern);
    }

    /** As {@link #start(LibvirtConnections, String, int)}, its disks opened with {@code cache='none'}. */
    public static TestVm startUncached(LibvirtConnections libvirt, String format, int sizeMiB) throws Exception {
        return start(libvirt, SCRATCH, PREFIX + UUID.randomUUID().toString().substring(0, 8), format, sizeMiB, true, null,
                true);
    }

    private static TestVm start(LibvirtConnections libvirt, Path base, String name, String format, int sizeMiB,
            boolean withVdb, Integer pattern) throws Exception {
        return start(libvirt, base, name, format, sizeMiB, withVdb, pattern, false);
    }

    private static TestVm start(LibvirtConnections libvirt, Path base, String name, String format, int sizeMiB,
            boolean withVdb, Integer pattern, boolean uncached) throws Exception {
        Path dir = Files.createDirectory(base.resolve(name));
        TestVm vm = null;
        try {
            for (Path d : List.of(dir, Files.createDirectory(dir.resolve("src")), Files.createDirectory(dir.resolve("dst")))) {
                // QEMU runs as libvirt-qemu: it must reach the images.
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path vda = vdaIn(dir.resolve("src"), format);
            qemuImg("create", "-q", "-f", format, vda.toString(), sizeMiB + "M");
            if (pattern != null) {
                Command.run(List.of("qemu-io", "-f", format, "-c",
                        "write -P 0x" + Integer.toHexString(pattern) + " 0 " + sizeMiB + "M", vda.toString()), TIMEOUT);
            }
            GuestlessDomainXml xml = GuestlessDomainXml.named(name)
                    .description("blockshift test VM; the test that made it removes it")
                    .disk("vda", vda, format);
            if (uncached) {
                xml.uncached();
            }
            if (withVdb) {
                Path vdb = vdbIn(dir.resolve("src"));
                qemuImg("create", "-q", "-f", "raw", vdb.toString(), "16M");
                xml.disk("vdb", vdb, "raw");
            }
            Domain domain = libvirt.connect(URI).domainDefineXML(xml.toXml());
            vm = new TestVm(name, dir, format, withVdb, libvirt, domain);
            domain.create();
            return vm;
        } catch (Exception e) {
            if (vm != null) {
                vm.close();
            } else {
                PathUtils.deleteDirectory(dir);
            }
            throw e;
        }
    }

    private static Path vdaIn(Path src, String format) {
        return src.resolve("vda." + (format.equals("raw") ? "img" : "qcow2"));
    }

    private static Path vdbIn(Path src) {
        return src.resolve("vdb.img");
    }

    public Guest guest() throws LibvirtException {
        return libvirt.guest(URI, name);
    }

    public Path target() {
        return dst.resolve("vda-moved.img");
    }

    /** Writes 1 MiB of {@code pattern} at {@code offsetMiB} into a disk as the guest would. */
    public void write(String diskAlias, int pattern, int offsetMiB) throws LibvirtException {
        String out = domain.qemuMonitorCommand("qemu-io -d /machine/peripheral/" + diskAlias + "/virtio-backend \"write -P 0x"
                + Integer.toHexString(pattern) + " " + offsetMiB + "M 1M\"", HMP);
        // qemu-io under HMP prints nothing on success, and the error otherwise.
        assertTrue(out.isBlank() || out.contains("wrote"), "guest write failed: " + out);
    }

    public void write(int pattern, int offsetMiB) throws LibvirtException {
        write("virtio-disk0", pattern, offsetMiB);
    }

    /** Whether {@code image} (read as {@code format}) holds 1 MiB of {@code pattern} at {@code offsetMiB}. */
    public static boolean holds(Path image, String format, int pattern, int offsetMiB) throws Exception {
        String out = Command.run(List.of("qemu-io", "-r", "-U", "-f", format, "-c",
                "read -P 0x" + Integer.toHexString(pattern) + " " + offsetMiB + "M 1M", image.toString()), TIMEOUT);
        return !out.contains("Pattern verification failed") && out.contains("read 1048576/1048576");
    }

    /** Plugs a device into the running VM only (its persistent definition stays as it is). */
    public void attachLive(String deviceXml) throws LibvirtException {
        // VIR_DOMAIN_AFFECT_LIVE = 1
        domain.attachDeviceFlags(deviceXml, 1);
    }

    public void detachLive(String deviceXml) throws LibvirtException {
        domain.detachDeviceFlags(deviceXml, 1);
    }

    /** Stops the VM (as pulling the plug would); it stays defined. */
    public void stop() throws LibvirtException {
        domain.destroy();
    }

    public String liveXml() throws LibvirtException {
        return domain.getXMLDesc(0);
    }

    public String persistentXml() throws LibvirtException {
        // VIR_DOMAIN_XML_INACTIVE = 2
        return domain.getXMLDesc(2);
    }

    public String uuid() throws LibvirtException {
        return domain.getUUIDString();
    }

    public Disk liveDisk(String target) throws LibvirtException {
        return guest().liveDisk(target);
    }

    public Disk persistentDisk(String target) throws LibvirtException {
        return Disk.find(guest().persistentDisks(), target).orElseThrow();
    }

    /** vda as the running domain has it. */
    public Disk liveDisk() throws LibvirtException {
        return liveDisk("vda");
    }

    /** vda as the persistent definition has it. */
    public Disk persistentDisk() throws LibvirtException {
        return persistentDisk("vda");
    }

    /** CRC32C of a file's bytes. */
    public static long checksum(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }

    /** Every file under the scratch directory, as relative paths. */
    public List<String> files() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> names.add(dir.relativize(p).toString()));
        }
        names.sort(null);
        return names;
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

    /**
     * Defines and starts a VM whose vda is an empty qcow2 over {@code backing} (of {@code backingFormat}),
     * with a vdb, as {@link #start(LibvirtConnections, String, int)} does.
     */
    public static TestVm startOver(LibvirtConnections libvirt, Path backing, String backingFormat) throws Exception {
        return startOver(libvirt, backing, backingFormat, SCRATCH);
    }

    /** As {@link #startOver(LibvirtConnections, Path, String)}, with the VM's directory in {@code base}. */
    public static TestVm startOver(LibvirtConnections libvirt, Path backing, String backingFormat, Path base)
            throws Exception {
        return startOver(libvirt, backing, backingFormat, base, PREFIX + UUID.randomUUID().toString().substring(0, 8));
    }

    /** As {@link #startOver(LibvirtConnections, Path, String, Path)}, the VM named {@code name}. */
    public static TestVm startOver(LibvirtConnections libvirt, Path backing, String backingFormat, Path base, String name)
            throws Exception {
        Path dir = Files.createDirectory(base.resolve(name));
        TestVm vm = null;
        try {
            for (Path d : List.of(dir, Files.createDirectory(dir.resolve("src")), Files.createDirectory(dir.resolve("dst")))) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path vda = vdaIn(dir.resolve("src"), "qcow2");
            qemuImg("create", "-q", "-f", "qcow2", "-b", backing.toString(), "-F", backingFormat, vda.toString());
            Path vdb = vdbIn(dir.resolve("src"));
            qemuImg("create", "-q", "-f", "raw", vdb.toString(), "16M");
            GuestlessDomainXml xml = GuestlessDomainXml.named(name)
                    .description("blockshift test VM; the test that made it removes it")
                    .disk("vda", vda, "qcow2")
                    .disk("vdb", vdb, "raw");
            Domain domain = libvirt.connect(URI).domainDefineXML(xml.toXml());
            vm = new TestVm(name, dir, "qcow2", true, libvirt, domain);
            domain.create();
            return vm;
        } catch (Exception e) {
            if (vm != null) {
                vm.close();
            } else {
                PathUtils.deleteDirectory(dir);
            }
            throw e;
        }
    }

    private static void qemuImg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Command.run(command, TIMEOUT);
    }

    // ---------------------------------------------------------------- shut-off and paused VMs

    /** Starts the defined VM (again), on whatever its persistent definition names. */
    public void startAgain() throws LibvirtException {
        domain.create();
    }

    /** Pauses the running VM's vCPUs; QEMU's block layer goes on. */
    public void pause() throws LibvirtException {
        domain.suspend();
    }

    public org.libvirt.DomainInfo.DomainState state() throws LibvirtException {
        return domain.getInfo().state;
    }

    /** Writes 1 MiB of {@code pattern} at {@code offsetMiB} into vda's image while no QEMU has it open. */
    public void writeWhileShutOff(int pattern, int offsetMiB) throws Exception {
        Command.run(List.of("qemu-io", "-f", format, "-c", "write -P 0x" + Integer.toHexString(pattern) + " "
                + offsetMiB + "M 1M", vda.toString()), TIMEOUT);
    }

    /** Flushes what the guest wrote to vda, qcow2 metadata included, so that a reader of the file sees it. */
    public void flush() throws LibvirtException {
        domain.qemuMonitorCommand("qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"flush\"", HMP);
    }

    /** Saves the running VM's state to libvirt's managed save image and stops it (virsh managedsave). */
    public void managedSave() throws LibvirtException {
        domain.managedSave();
    }

    public void managedSaveRemove() throws LibvirtException {
        domain.managedSaveRemove();
    }
}
