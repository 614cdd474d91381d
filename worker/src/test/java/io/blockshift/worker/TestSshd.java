package io.blockshift.worker;

import io.blockshift.activities.files.Command;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;

/**
 * An sshd of the test's own on 127.0.0.1 (root by key only, keys made for it in a {@code bs-test-}
 * directory), and the libvirt URI that reaches this machine's libvirtd through it with libvirt's
 * libssh transport, whose known_hosts file lives in that directory too (no file of root's is
 * touched). {@link #cutSessions()} kills the sessions it serves, as a dropped link would.
 */
final class TestSshd implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** sshd's privilege separation directory, which its service would make. */
    private static final Path PRIVSEP = Path.of("/run/sshd");

    private final Path dir;
    private final Process sshd;
    private final int port;
    private final boolean madePrivsep;

    private TestSshd(Path dir, Process sshd, int port, boolean madePrivsep) {
        this.dir = dir;
        this.sshd = sshd;
        this.port = port;
        this.madePrivsep = madePrivsep;
    }

    static TestSshd start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), TestVm.PREFIX + "sshd-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        boolean madePrivsep = !Files.isDirectory(PRIVSEP);
        Process sshd = null;
        try {
            for (String key : List.of("host_key", "client_key")) {
                Command.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve(key).toString()),
                        TIMEOUT);
            }
            Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
            if (madePrivsep) {
                Files.createDirectories(PRIVSEP);
            }
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            sshd = new ProcessBuilder(List.of("/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null", "-p", Integer.toString(port),
                    "-o", "ListenAddress=127.0.0.1", "-o", "HostKey=" + dir.resolve("host_key"),
                    "-o", "AuthorizedKeysFile=" + dir.resolve("authorized_keys"),
                    "-o", "PermitRootLogin=prohibit-password", "-o", "PasswordAuthentication=no",
                    "-o", "KbdInteractiveAuthentication=no", "-o", "StrictModes=no", "-o", "PidFile=none",
                    "-o", "UsePAM=no"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            awaitListening(port, sshd);
            return new TestSshd(dir, sshd, port, madePrivsep);
        } catch (Exception e) {
            if (sshd != null) {
                sshd.destroyForcibly();
            }
            PathUtils.deleteDirectory(dir);
            throw e;
        }
    }

    /** qemu+libssh://root@127.0.0.1:PORT/system with this sshd's client key and known_hosts. */
    String uri() {
        return "qemu+libssh://root@127.0.0.1:" + port + "/system?keyfile=" + dir.resolve("client_key")
                + "&known_hosts=" + dir.resolve("known_hosts") + "&known_hosts_verify=auto&sshauth=privkey";
    }

    /**
     * qemu+ssh://root@127.0.0.1:PORT/system with this sshd's client key: libvirt's default transport,
     * which runs OpenSSH's {@code ssh}. That ssh reads only the system's and root's own configuration
     * and known_hosts, so it is for a process in a namespace where {@link #openSshConfig()} stands over
     * {@code /etc/ssh/ssh_config}.
     */
    String openSshUri() {
        return "qemu+ssh://root@127.0.0.1:" + port + "/system?keyfile=" + dir.resolve("client_key");
    }

    /**
     * An ssh_config that checks this sshd against a known_hosts of its own (written here, holding its
     * host key) and never asks: what an operator's configuration does for a host, without touching root's.
     */
    Path openSshConfig() throws IOException {
        Path knownHosts = dir.resolve("openssh_known_hosts");
        String[] hostKey = Files.readString(dir.resolve("host_key.pub")).trim().split(" ");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + hostKey[0] + " " + hostKey[1] + "\n");
        Path config = dir.resolve("ssh_config");
        Files.writeString(config, "Host 127.0.0.1\n  UserKnownHostsFile " + knownHosts
                + "\n  StrictHostKeyChecking yes\n  BatchMode yes\n");
        return config;
    }

    /** Kills every session this sshd serves (its processes, and what runs in them), leaving it listening; returns how many. */
    int cutSessions() {
        List<ProcessHandle> sessions = sshd.toHandle().descendants().toList();
        sessions.forEach(ProcessHandle::destroyForcibly);
        return sessions.size();
    }

    private static void awaitListening(int port, Process sshd) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (!sshd.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("sshd did not listen on 127.0.0.1:" + port, notYet);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            cutSessions();
            sshd.destroyForcibly();
            sshd.waitFor(10, TimeUnit.SECONDS);
            System.err.println("---- sshd ----\n" + Files.readString(dir.resolve("sshd.log")));
        } finally {
            PathUtils.deleteDirectory(dir);
            if (madePrivsep) {
                Files.deleteIfExists(PRIVSEP);
            }
        }
    }
}
