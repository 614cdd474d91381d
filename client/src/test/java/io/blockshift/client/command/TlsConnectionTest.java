package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.TemporalClient;
import io.blockshift.worker.DevServer;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Temporal over mutual TLS. The dev server speaks plain gRPC only, so it sits behind a
 * TLS-terminating proxy with a test CA, a server certificate and a required client certificate,
 * all made by openssl for this test.
 */
class TlsConnectionTest {

    private static Path dir;
    private static DevServer temporal;
    private static SSLServerSocket proxy;
    private static final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void startTlsFrontedServer() throws Exception {
        dir = Files.createTempDirectory("bs-test-tls-");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                "-subj", "/CN=bs-test-ca");
        Files.writeString(dir.resolve("san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        for (String name : List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                    "-subj", "/CN=bs-test-" + name);
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".pem", "-days", "1", "-extfile", "san.cnf");
        }
        openssl("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12", "-passout", "pass:test");

        temporal = DevServer.start(DevServer.findBinary().orElseThrow(), 0, dir.resolve("temporal.db"), false);
        proxy = tlsProxyTo(Integer.parseInt(temporal.target().split(":")[1]));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        if (temporal != null) {
            temporal.close();
        }
        PathUtils.deleteDirectory(dir);
    }

    @Test
    void withTheCaAndAClientCertificateCommandsReachTheServer() throws Exception {
        String workflowId = "bs-test-tls-" + System.nanoTime();
        TemporalOptions options = parse("--tls-ca", pem("ca"), "--tls-cert", pem("client"), "--tls-key", key("client"));
        try (TemporalClient client = options.connectIfAnswers(Duration.ofSeconds(10)).orElseThrow()) {
            WorkflowStub stub = client.client().newUntypedWorkflowStub("MigrateDisk",
                    WorkflowOptions.newBuilder().setTaskQueue("bs-test-no-worker").setWorkflowId(workflowId).build());
            stub.start(new java.util.HashMap<>(java.util.Map.of("domain", "vm1")));
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = cli(out, "audit", workflowId, "--temporal", address(), "--tls-ca", pem("ca"),
                "--tls-cert", pem("client"), "--tls-key", key("client"));

        assertEquals(ExitCodes.OK, exit);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("# MigrateDisk " + workflowId), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutAClientCertificateTheServerIsNotReached() {
        assertEquals(ExitCodes.UNREACHABLE, cli(new ByteArrayOutputStream(), "audit", "any", "--temporal", address(),
                "--tls-ca", pem("ca")));
    }

    @Test
    void aPlainConnectionToTheTlsPortIsNotReached() {
        assertEquals(ExitCodes.UNREACHABLE, cli(new ByteArrayOutputStream(), "audit", "any", "--temporal", address()));
    }

    private static int cli(ByteArrayOutputStream out, String... args) {
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return BlockshiftCli.commandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
    }

    private static TemporalOptions parse(String... args) {
        AuditCommand audit = new AuditCommand();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--temporal", address(), "unused"));
        new CommandLine(audit).parseArgs(all.toArray(String[]::new));
        return audit.temporal;
    }

    private static String address() {
        return "localhost:" + proxy.getLocalPort();
    }

    private static String pem(String name) {
        return dir.resolve(name + ".pem").toString();
    }

    private static String key(String name) {
        return dir.resolve(name + ".key").toString();
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        // Relative names: openssl runs in the test's directory.
        List<String> absolute = command.stream()
                .map(a -> a.matches("[a-z]+\\.(key|pem|csr|cnf|p12)") ? dir.resolve(a).toString() : a).toList();
        Command.run(absolute, Duration.ofSeconds(30));
    }

    /** Accepts TLS (HTTP/2 by ALPN, client certificate required) and relays the plain bytes to {@code port}. */
    private static SSLServerSocket tlsProxyTo(int port) throws Exception {
        KeyStore serverKeys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(dir.resolve("server.p12").toFile())) {
            serverKeys.load(in, "test".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverKeys, "test".toCharArray());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = new FileInputStream(dir.resolve("ca.pem").toFile())) {
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SSLParameters parameters = server.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        parameters.setNeedClientAuth(true);
        server.setSSLParameters(parameters);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket tls = server.accept();
                    Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
                    synchronized (sockets) {
                        sockets.add(tls);
                        sockets.add(plain);
                    }
                    relay(tls, plain);
                    relay(plain, tls);
                } catch (IOException e) {
                    return;
                }
            }
        }, "bs-test-tls-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    private static void relay(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // One side closed (or the handshake failed): close both.
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
        pump.setDaemon(true);
        pump.start();
    }
}
