package io.blockshift.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TemporalConnection;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the client tests on real parts, run as an operator runs blockshift: a Temporal CLI dev
 * server of their own (SQLite in a scratch directory), a blockshift worker on a task queue of its
 * own whose storage root is a {@code bs-test-cli-} scratch directory under /var/tmp, and libvirtd +
 * QEMU on this machine for throwaway {@code bs-test-} VMs. All of it is removed after the class.
 */
abstract class LibvirtTemporalCliTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static DevServer temporal;
    static WorkflowClient client;
    static LibvirtConnections libvirt;
    private static Path scratch;
    private static Path temporalDir;
    private static BlockshiftWorker worker;
    private static String queue;

    @BeforeAll
    static void startTemporalAndAWorker() throws Exception {
        // Under /var/tmp, world-traversable: QEMU runs as libvirt-qemu and must reach the images.
        scratch = Files.createDirectory(Path.of("/var/tmp", "bs-test-cli-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        temporalDir = Files.createTempDirectory("bs-test-cli-temporal-");
        temporal = DevServer.start(DevServer.findBinary().orElseThrow(() -> new IllegalStateException(
                "the Temporal CLI is not installed: run the README's test command, which installs it")),
                0, temporalDir.resolve("temporal.db"), false);
        client = TemporalConnection.connect(temporal.target(), TemporalConnection.DEFAULT_NAMESPACE);
        queue = "bs-test-" + UUID.randomUUID();
        worker = BlockshiftWorker.start(client, queue, null, new StorageRoots(List.of(scratch)));
        libvirt = new LibvirtConnections();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (worker != null) {
                worker.close();
            }
            if (client != null) {
                client.getWorkflowServiceStubs().shutdownNow();
            }
            if (temporal != null) {
                temporal.close();
            }
            if (libvirt != null) {
                libvirt.close();
            }
        } finally {
            PathUtils.deleteDirectory(temporalDir);
            PathUtils.deleteDirectory(scratch);
        }
    }

    /** Runs blockshift against this class's server and task queue. */
    static CliRun cli(String... args) {
        return CliRun.of(withServer(args));
    }

    /** {@code args} with the options that point blockshift at this class's server and task queue. */
    static String[] withServer(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--temporal", temporal.target(), "--task-queue", queue));
        return all.toArray(String[]::new);
    }

    /** A directory of the test's own under the scratch directory (the worker's storage root). */
    static Path testDir() throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("bs-test-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** A running VM with a 4 MiB disk, named after {@code dir} and {@code suffix}, in {@code dir}. */
    static CliTestVm vm(Path dir, String suffix) throws Exception {
        return CliTestVm.start(libvirt, dir, dir.getFileName() + "-" + suffix, 4);
    }

    /** Where the tests move the VM's vda: B. */
    static Path target(CliTestVm vm) {
        return vm.dst.resolve("vda.img");
    }
}
