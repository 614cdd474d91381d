package io.blockshift.client;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gets this host ready for the demo: libvirt and QEMU installed, virtlogd and libvirtd running,
 * /dev/kvm usable by QEMU. As root on Debian it does what is missing itself; elsewhere it says
 * what to run.
 */
final class DemoHost {

    /** The Debian packages the demo needs. */
    static final List<String> PACKAGES = List.of("libvirt-daemon-system", "qemu-system-x86", "qemu-utils");

    /** Each program the demo needs, and the package that brings it. */
    private static final Map<String, String> PROGRAMS = Map.of(
            "libvirtd", "libvirt-daemon-system",
            "virtlogd", "libvirt-daemon-system",
            "qemu-system-x86_64", "qemu-system-x86",
            "qemu-img", "qemu-utils",
            "qemu-io", "qemu-utils");

    private static final Path LIBVIRT_SOCKET = Path.of("/run/libvirt/libvirt-sock");
    private static final Path VIRTLOGD_SOCKET = Path.of("/run/libvirt/virtlogd-sock");
    private static final Path KVM = Path.of("/dev/kvm");
    private static final Duration DAEMON_START = Duration.ofSeconds(20);

    /** The host cannot be made ready by blockshift: {@link #getMessage()} says what to run. */
    static final class NotReady extends Exception {
        NotReady(String message) {
            super(message);
        }
    }

    private final PrintStream log;
    private final boolean root = "root".equals(System.getProperty("user.name"));
    private final boolean debian = Files.exists(Path.of("/etc/debian_version")) && which("apt-get").isPresent();

    DemoHost(PrintStream log) {
        this.log = log;
    }

    /** Installs and starts what is missing; returns what it did, one line each. */
    List<String> prepare() throws NotReady, IOException, InterruptedException {
        List<String> done = new ArrayList<>();
        Set<String> missing = missingPackages();
        if (!missing.isEmpty()) {
            if (!root || !debian) {
                throw new NotReady("the demo needs libvirt and QEMU, and " + missing + " are missing. "
                        + (debian ? "Run as root, or first: sudo apt-get update && sudo apt-get install -y "
                                + String.join(" ", PACKAGES)
                                : "Install libvirt and QEMU (qemu-system-x86_64, qemu-img, qemu-io) with your system's"
                                        + " packages, start libvirtd, and run the demo again."));
            }
            log.println("installing " + String.join(" ", PACKAGES) + " (apt-get)...");
            Map<String, String> quiet = Map.of("DEBIAN_FRONTEND", "noninteractive");
            Processes.runVisibly(List.of("apt-get", "update"), quiet);
            List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y"));
            install.addAll(PACKAGES);
            Processes.runVisibly(install, quiet);
            done.add("installed " + String.join(" ", PACKAGES));
        }
        if (root) {
            // Its socket is root's alone: only root can see whether it runs, and libvirtd says so anyway.
            start("virtlogd", VIRTLOGD_SOCKET, done);
        }
        start("libvirtd", LIBVIRT_SOCKET, done);
        fixKvmPermissions(done);
        return done;
    }

    /** Starts {@code daemon} unless its socket already answers (running, or socket-activated by systemd). */
    private void start(String daemon, Path socket, List<String> done) throws NotReady, IOException, InterruptedException {
        if (answers(socket)) {
            return;
        }
        if (!root) {
            throw new NotReady(daemon + " is not running; start it as root: sudo " + daemon
                    + " -d (or sudo systemctl start " + daemon + ")");
        }
        Path program = which(daemon).orElseThrow(() -> new NotReady(daemon + " is not installed"));
        // The daemon keeps what it inherits open: its output goes to a file, not to a pipe we would wait on.
        Path output = Files.createTempFile("blockshift-" + daemon, ".log");
        try {
            Process process = new ProcessBuilder(program.toString(), "-d").redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            long deadline = System.nanoTime() + DAEMON_START.toNanos();
            while (!answers(socket)) {
                if (System.nanoTime() > deadline || (!process.isAlive() && process.exitValue() != 0)) {
                    throw new IOException(daemon + " -d did not start: " + Files.readString(output).strip());
                }
                Thread.sleep(100);
            }
        } finally {
            Files.deleteIfExists(output);
        }
        done.add("started " + daemon + " -d");
    }

    /**
     * Gives /dev/kvm to group kvm, mode 660, as udev does on a real host: libvirtd otherwise probes
     * QEMU again on every call (seconds each) because QEMU, run as libvirt-qemu, cannot open it.
     */
    private void fixKvmPermissions(List<String> done) throws IOException {
        if (!root || !Files.exists(KVM)) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(KVM, PosixFileAttributeView.class);
        GroupPrincipal kvm;
        try {
            kvm = KVM.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("kvm");
        } catch (UserPrincipalNotFoundException noGroup) {
            return;
        }
        var attributes = view.readAttributes();
        var mode = PosixFilePermissions.fromString("rw-rw----");
        if (!attributes.group().equals(kvm) || !attributes.permissions().equals(mode)) {
            view.setGroup(kvm);
            view.setPermissions(mode);
            done.add("made /dev/kvm group kvm, mode 660 (as udev does), so libvirtd stops re-probing QEMU");
        }
    }

    private static Set<String> missingPackages() {
        Set<String> missing = new LinkedHashSet<>();
        PROGRAMS.forEach((program, pkg) -> {
            if (which(program).isEmpty()) {
                missing.add(pkg);
            }
        });
        return missing;
    }

    /** A program on PATH or in the sbin directories (not on a non-root PATH). */
    static Optional<Path> which(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
