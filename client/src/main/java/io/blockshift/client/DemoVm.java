package io.blockshift.client;

import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.GuestlessDomainXml;
import io.blockshift.activities.libvirt.LibvirtConnections;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * The demo's throwaway VM: a persistent {@code <domain type='qemu'>} with no guest OS and one raw
 * disk vda in a scratch directory of its own, all named {@code blockshift-demo-...}. It remembers
 * what every MiB of its disk should hold, so a copy of the disk can be checked MiB by MiB.
 */
final class DemoVm implements AutoCloseable {

    static final String URI = "qemu:///system";
    static final String PREFIX = "blockshift-demo-";
    /** World-traversable, as QEMU runs as libvirt-qemu and must reach the images. */
    private static final Path SCRATCH_PARENT = Path.of("/var/tmp");
    static final int SIZE_MIB = 256;
    /** MiBs of data the image starts with, so the cloner has bytes to copy. */
    static final int DATA_MIB = 64;
    static final int DATA_PATTERN = 0x5a;
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern MISMATCH = Pattern.compile("Pattern verification failed at offset (\\d+)");

    final String name;
    final Path dir;
    final Path src;
    final Path dst;
    /** A: the disk the VM starts on. */
    final Path image;
    /** B: where the demo moves it. */
    final Path target;
    private final LibvirtConnections libvirt;
    private final AtomicBoolean removed = new AtomicBoolean();
    /** What each MiB of the disk should hold: a byte pattern, by MiB offset. */
    private final Map<Integer, Integer> expected = new TreeMap<>();
    private Domain domain;

    private DemoVm(Path dir, LibvirtConnections libvirt) {
        this.name = dir.getFileName().toString();
        this.dir = dir;
        this.src = dir.resolve("src");
        this.dst = dir.resolve("dst");
        this.image = src.resolve("disk.img");
        this.target = dst.resolve("disk.img");
        this.libvirt = libvirt;
        for (int mib = 0; mib < SIZE_MIB; mib++) {
            expected.put(mib, mib < DATA_MIB ? DATA_PATTERN : 0);
        }
    }

    /** Creates the scratch directory and the disk image; {@link #start()} boots the VM. */
    static DemoVm create(LibvirtConnections libvirt) throws IOException, InterruptedException {
        Path dir = scratchDirectory();
        DemoVm vm = new DemoVm(dir, libvirt);
        try {
            for (Path d : List.of(dir, Files.createDirectory(vm.src), Files.createDirectory(vm.dst))) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            tool("qemu-img", "create", "-q", "-f", "raw", vm.image.toString(), SIZE_MIB + "M");
            tool("qemu-io", "-f", "raw", "-c", "write -P 0x" + Integer.toHexString(DATA_PATTERN) + " 0 " + DATA_MIB + "M",
                    vm.image.toString());
            return vm;
        } catch (IOException | InterruptedException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /** Defines the persistent domain and starts it. */
    void start() throws LibvirtException {
        domain = libvirt.connect(URI).domainDefineXML(domainXml(name, image,
                "blockshift demo: a throwaway VM with no OS; blockshift demo removes it"));
        domain.create();
    }

    Guest guest() throws LibvirtException {
        return libvirt.guest(URI, name);
    }

    /**
     * Writes 1 MiB of {@code pattern} at MiB {@code mib} as the guest would (QEMU's qemu-io through
     * the monitor, on the device's backend, so it lands in whatever image the disk runs on now).
     *
     * @return null when written, else what QEMU said (the MiB is then left out of the checks)
     */
    String write(int mib, int pattern) throws LibvirtException {
        Domain running = libvirt.connect(URI).domainLookupByName(name);
        // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1
        String out = running.qemuMonitorCommand("qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"write -P 0x"
                + Integer.toHexString(pattern) + " " + mib + "M 1M\"", 1);
        boolean written = out.isBlank() || out.contains("wrote");
        synchronized (expected) {
            if (written) {
                expected.put(mib, pattern);
            } else {
                expected.remove(mib);
            }
        }
        return written ? null : out.strip();
    }

    /**
     * Reads every MiB of {@code image} that has a known content and returns the MiB offsets whose
     * bytes differ from it.
     */
    List<Integer> mismatches(Path image) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-r", "-U", "-f", "raw"));
        synchronized (expected) {
            expected.forEach((mib, pattern) -> command.addAll(List.of("-c",
                    "read -P 0x" + Integer.toHexString(pattern) + " " + mib + "M 1M")));
        }
        command.add(image.toString());
        Processes.Result result = Processes.run(command, TOOL_TIMEOUT);
        List<Integer> bad = new ArrayList<>();
        Matcher m = MISMATCH.matcher(result.output());
        while (m.find()) {
            bad.add((int) (Long.parseLong(m.group(1)) >> 20));
        }
        if (result.exitCode() != 0 && bad.isEmpty()) {
            throw new IOException("qemu-io could not read " + image + ": " + result.output().strip());
        }
        return bad;
    }

    /** How many MiB have a known content. */
    int checkedMiB() {
        synchronized (expected) {
            return expected.size();
        }
    }

    /** The disk vda as the running domain and its persistent definition name it. */
    String[] vdaSources() throws LibvirtException {
        Guest guest = guest();
        return new String[] {guest.liveDisk("vda").source(),
            Disk.find(guest.persistentDisks(), "vda").map(Disk::source).orElse(null)};
    }

    /** Every file left in the scratch directory, relative to it. */
    List<String> files() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !Files.isDirectory(p)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** Destroys and undefines the domain and deletes the scratch directory; safe to call twice, or from a hook. */
    @Override
    public void close() {
        if (!removed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (domain != null) {
                if (domain.isActive() == 1) {
                    domain.destroy();
                }
                // VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2
                domain.undefine(2);
            }
        } catch (LibvirtException e) {
            System.err.println("removing domain " + name + ": " + e.getMessage() + "; remove it with: virsh destroy "
                    + name + "; virsh undefine " + name);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("removing " + dir + ": " + e.getMessage() + "; remove it with: rm -rf " + dir);
        }
    }

    /** A new directory {@code /var/tmp/blockshift-demo-XXXXXX}, mode 700 until the caller opens it up. */
    private static Path scratchDirectory() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path dir = SCRATCH_PARENT.resolve(PREFIX + UUID.randomUUID().toString().substring(0, 6));
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 10) {
                    throw taken;
                }
            }
        }
    }

    /** The demo VM's domain: no guest OS, {@code image} as its raw disk vda. */
    private static String domainXml(String name, Path image, String description) {
        return GuestlessDomainXml.named(name).description(description).disk("vda", image, "raw").toXml();
    }

    private static void tool(String... command) throws IOException, InterruptedException {
        Processes.Result result = Processes.run(List.of(command), TOOL_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + result.output().strip());
        }
    }
}
