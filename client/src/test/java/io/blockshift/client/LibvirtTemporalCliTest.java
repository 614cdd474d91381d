package io.blockshift.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TestTemporalServer;
import io.blockshift.worker.TestVm;
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
    private static TestTemporalServer server;
    private static BlockshiftWorker worker;
    private static String queue;

    @BeforeAll
    static void startTemporalAndAWorker() throws Exception {
        // Under /var/tmp, world-traversable: QEMU runs as libvirt-qemu and must reach the images.
        scratch = Files.createDirectory(Path.of("/var/tmp", "bs-test-cli-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        server = TestTemporalServer.start("bs-test-cli-temporal-");
        temporal = server.server();
        client = server.client();
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
            if (server != null) {
                server.close();
            }
            if (libvirt != null) {
                libvirt.close();
            }
        } finally {
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

    /** A running VM with a 4 MiB disk vda alone, named after {@code dir} and {@code suffix}, in {@code dir}. */
    static TestVm vm(Path dir, String suffix) throws Exception {
        return TestVm.startWithVdaAlone(libvirt, dir, dir.getFileName() + "-" + suffix, 4, 0x5a);
    }

    /** Where the tests move the VM's vda: B. */
    static Path target(TestVm vm) {
        return vm.dst.resolve("vda.img");
    }
}
