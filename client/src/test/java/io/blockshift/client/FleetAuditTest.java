package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TemporalConnection;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code blockshift audit} of a fleet that continued as new, on real parts: a Temporal CLI dev
 * server, a blockshift worker, and libvirtd + QEMU running throwaway {@code bs-test-} VMs.
 */
class FleetAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path scratch;
    private static Path temporalDir;
    private static DevServer temporal;
    private static WorkflowClient client;
    private static BlockshiftWorker worker;
    private static LibvirtConnections libvirt;
    private static String queue;

    @BeforeAll
    static void startTemporalAndAWorker() throws Exception {
        scratch = Files.createDirectory(Path.of("/var/tmp", "bs-test-audit-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        temporalDir = Files.createTempDirectory("bs-test-audit-temporal-");
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

    @Test
    void auditOfAFleetThatContinuedAsNewAfterEachStartShowsBothDisksDoneWithTheirTargetsRunsAndChecksums()
            throws Exception {
        Path dir = testDir();
        try (CliTestVm one = vm(dir, "one"); CliTestVm two = vm(dir, "two")) {
            String sumOfOne = "%08x".formatted(CliTestVm.checksum(one.image));
            String sumOfTwo = "%08x".formatted(CliTestVm.checksum(two.image));
            Path file = Files.writeString(dir.resolve("fleet.json"), """
                    {"migrations": [
                       {"domain": "%s", "disk": "vda", "target": "%s", "cloner": "sparse"},
                       {"domain": "%s", "disk": "vda", "target": "%s", "cloner": "sparse"}],
                     "maxConcurrent": 2, "childrenPerRun": 1}
                    """.formatted(one.name, target(one), two.name, target(two)));
            String id = "bs-test-fleet-" + UUID.randomUUID();
            CliRun fleet = cli("fleet", file.toString(), "--workflow-id", id, "--json", "--requested-by", "alice",
                    "--reason", "array retirement");
            assertEquals(ExitCodes.OK, fleet.exitCode(), fleet::toString);
            int runs = JSON.readTree(fleet.out()).get("result").get("runs").asInt();
            assertTrue(runs >= 3, "it continued as new after each of its two starts: " + fleet.out());

            CliRun audit = cli("audit", id, "--json");

            assertEquals(ExitCodes.OK, audit.exitCode(), audit::toString);
            JsonNode report = JSON.readTree(audit.out());
            assertEquals("completed", report.get("status").asText());
            assertEquals("alice", report.get("memo").get("requestedBy").asText(), "from the first run");
            assertEquals(runs, report.get("runs").size(), "every run of the chain: " + report.get("runs"));
            assertEquals("continued as new", report.get("runs").get(0).get("status").asText());
            assertEquals(1, report.get("runs").get(0).get("number").asInt());
            JsonNode disks = report.get("children");
            assertEquals(2, disks.size(), audit.out());
            List<Integer> startedIn = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                CliTestVm vm = i == 0 ? one : two;
                JsonNode disk = disks.get(i);
                assertEquals(i, disk.get("index").asInt());
                assertEquals(MigrateFleetWorkflowImpl.childWorkflowId(null, vm.uuid(), "vda"), disk.get("workflowId").asText());
                assertEquals(vm.name, disk.get("domain").asText());
                assertEquals(target(vm).toString(), disk.get("target").asText());
                assertEquals("done", disk.get("status").asText(), disk::toString);
                // Its run continued as new right after starting it: the fleet heard of its end by signal.
                assertEquals("DiskFinished signal", disk.get("endKnownFrom").asText(), disk::toString);
                assertEquals("its steps and checksum: blockshift audit " + disk.get("workflowId").asText(),
                        disk.get("note").asText());
                startedIn.add(disk.get("run").asInt());
            }
            assertEquals(Set.of(1, 2), Set.copyOf(startedIn), "one disk started in each of the first two runs");

            CliRun markdown = cli("audit", id, "--markdown");

            assertEquals(ExitCodes.OK, markdown.exitCode(), markdown::toString);
            String text = markdown.out();
            assertTrue(text.contains("| runs | " + runs + " (continued as new " + (runs - 1) + " times)"), text);
            assertTrue(text.contains("| requested by | alice |"), text);
            assertTrue(text.contains("| reason | array retirement |"), text);
            assertTrue(text.contains("## Runs"), text);
            assertTrue(text.contains("| # | workflow | domain | disk | target | run | status | known from | checksum or failure |"),
                    text);
            for (CliTestVm vm : List.of(one, two)) {
                assertTrue(text.contains(" | " + vm.name + " | vda | " + target(vm) + " | " + startedIn.get(vm == one ? 0 : 1)
                        + " | done | DiskFinished signal |  |"), vm.name + " in\n" + text);
            }
            assertTrue(text.contains("2 disk(s): 2 done."), text);
            assertTrue(text.contains("`blockshift audit " + id + " --disks`"), text);

            CliRun withDisks = cli("audit", id, "--json", "--disks");

            assertEquals(ExitCodes.OK, withDisks.exitCode(), withDisks::toString);
            JsonNode read = JSON.readTree(withDisks.out()).get("children");
            assertEquals(sumOfOne, read.get(0).get("checksum").asText(), "A's CRC32C, from the child's own history");
            assertEquals(sumOfTwo, read.get(1).get("checksum").asText());
            assertEquals(target(two).toString(), read.get(1).get("result").get("target").asText());
            assertNull(read.get(0).get("note"), "nothing left to read elsewhere");
        }
    }

    @Test
    void auditOfAnUnknownIdExitsNotFound() {
        CliRun run = cli("audit", "bs-test-no-such-" + UUID.randomUUID());

        assertEquals(ExitCodes.NOT_FOUND, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("no workflow bs-test-no-such-"), run.err());
    }

    /** Runs blockshift against this test's server and task queue. */
    private static CliRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--temporal", temporal.target(), "--task-queue", queue));
        return CliRun.of(all.toArray(String[]::new));
    }

    /** A directory of the test's own under the scratch directory (the worker's storage root). */
    private static Path testDir() throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("bs-test-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static CliTestVm vm(Path dir, String suffix) throws Exception {
        return CliTestVm.start(libvirt, dir, dir.getFileName() + "-" + suffix, 4);
    }

    private static Path target(CliTestVm vm) {
        return vm.dst.resolve("vda.img");
    }
}
