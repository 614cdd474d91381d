package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.LibvirtConnections;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A throwaway persistent {@code <domain type='qemu'>} with no guest OS, a disk vda to move and a
 * disk vdb that must stay put, in a scratch directory of its own. Everything it creates carries
 * the prefix {@code bs-test-} and goes again on {@link #close()}.
 */
final class TestVm implements AutoCloseable {

    static final String URI = "qemu:///system";
    static final String PREFIX = "bs-test-";
    static final Path SCRATCH = Path.of("/var/tmp");
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    final String name;
    final Path dir;
    final Path src;
    final Path dst;
    final Path vda;
    final Path vdb;
    final String format;
    private final LibvirtConnections libvirt;
    private final Domain domain;

    private TestVm(String name, Path dir, String format, LibvirtConnections libvirt, Domain domain) {
        this.name = name;
        this.dir = dir;
        this.src = dir.resolve("src");
        this.dst = dir.resolve("dst");
        this.vda = src.resolve("vda." + (format.equals("raw") ? "img" : "qcow2"));
        this.vdb = src.resolve("vdb.img");
        this.format = format;
        this.libvirt = libvirt;
        this.domain = domain;
    }

    /** Defines and starts a VM whose vda is a {@code sizeMiB} image in {@code format}. */
    static TestVm start(LibvirtConnections libvirt, String format, int sizeMiB) throws Exception {
        return start(libvirt, format, sizeMiB, SCRATCH);
    }

    /** As {@link #start(LibvirtConnections, String, int)}, with the VM's directory in {@code base}. */
    static TestVm start(LibvirtConnections libvirt, String format, int sizeMiB, Path base) throws Exception {
        String name = PREFIX + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectory(base.resolve(name));
        TestVm vm = null;
        try {
            for (Path d : List.of(dir, Files.createDirectory(dir.resolve("src")), Files.createDirectory(dir.resolve("dst")))) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path vda = dir.resolve("src").resolve("vda." + (format.equals("raw") ? "img" : "qcow2"));
            Path vdb = dir.resolve("src").resolve("vdb.img");
            qemuImg("create", "-q", "-f", format, vda.toString(), sizeMiB + "M");
            qemuImg("create", "-q", "-f", "raw", vdb.toString(), "16M");
            Connect connection = libvirt.connect(URI);
            Domain domain = connection.domainDefineXML(domainXml(name, vda, format, vdb));
            vm = new TestVm(name, dir, format, libvirt, domain);
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

    Guest guest() throws LibvirtException {
        return libvirt.guest(URI, name);
    }

    Path target() {
        return dst.resolve("vda-moved.img");
    }

    /** Writes 1 MiB of {@code pattern} at {@code offsetMiB} into a disk as the guest would. */
    void write(String diskAlias, int pattern, int offsetMiB) throws LibvirtException {
        Domain running = libvirt.connect(URI).domainLookupByName(name);
        // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1
        String out = running.qemuMonitorCommand("qemu-io -d /machine/peripheral/" + diskAlias + "/virtio-backend \"write -P 0x"
                + Integer.toHexString(pattern) + " " + offsetMiB + "M 1M\"", 1);
        // qemu-io under HMP prints nothing on success, and the error otherwise.
        assertTrue(out.isBlank() || out.contains("wrote"), "guest write failed: " + out);
    }

    void write(int pattern, int offsetMiB) throws LibvirtException {
        write("virtio-disk0", pattern, offsetMiB);
    }

    /** Whether {@code image} (read as {@code format}) holds 1 MiB of {@code pattern} at {@code offsetMiB}. */
    static boolean holds(Path image, String format, int pattern, int offsetMiB) throws Exception {
        String out = Command.run(List.of("qemu-io", "-r", "-U", "-f", format, "-c",
                "read -P 0x" + Integer.toHexString(pattern) + " " + offsetMiB + "M 1M", image.toString()), TIMEOUT);
        return !out.contains("Pattern verification failed") && out.contains("read 1048576/1048576");
    }

    /** Plugs a device into the running VM only (its persistent definition stays as it is). */
    void attachLive(String deviceXml) throws LibvirtException {
        // VIR_DOMAIN_AFFECT_LIVE = 1
        domain.attachDeviceFlags(deviceXml, 1);
    }

    void detachLive(String deviceXml) throws LibvirtException {
        domain.detachDeviceFlags(deviceXml, 1);
    }

    /** Stops the VM (as pulling the plug would); it stays defined. */
    void stop() throws LibvirtException {
        domain.destroy();
    }

    String liveXml() throws LibvirtException {
        return domain.getXMLDesc(0);
    }

    String persistentXml() throws LibvirtException {
        // VIR_DOMAIN_XML_INACTIVE = 2
        return domain.getXMLDesc(2);
    }

    Disk liveDisk(String target) throws LibvirtException {
        return guest().liveDisk(target);
    }

    Disk persistentDisk(String target) throws LibvirtException {
        return Disk.find(guest().persistentDisks(), target).orElseThrow();
    }

    /** Every file under the scratch directory, as relative paths. */
    List<String> files() throws IOException {
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

    private static void qemuImg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Command.run(command, TIMEOUT);
    }

    private static String domainXml(String name, Path vda, String format, Path vdb) {
        return """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64' machine='pc'>hvm</type></os>
                  <features><acpi/></features>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='%s'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='vdb' bus='virtio'/>
                    </disk>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(name, format, vda, vdb);
    }
}
