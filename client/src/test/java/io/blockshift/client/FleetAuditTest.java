package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.blockshift.worker.TestVm;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code blockshift audit} of a fleet that continued as new, on real parts: a Temporal CLI dev
 * server, a blockshift worker, and libvirtd + QEMU running throwaway {@code bs-test-} VMs.
 */
class FleetAuditTest extends LibvirtTemporalCliTest {

    @Test
    void auditOfAFleetThatContinuedAsNewAfterEachStartShowsBothDisksDoneWithTheirTargetsRunsAndChecksums()
            throws Exception {
        Path dir = testDir();
        try (TestVm one = vm(dir, "one"); TestVm two = vm(dir, "two")) {
            String sumOfOne = "%08x".formatted(TestVm.checksum(one.vda));
            String sumOfTwo = "%08x".formatted(TestVm.checksum(two.vda));
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
                TestVm vm = i == 0 ? one : two;
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
            for (TestVm vm : List.of(one, two)) {
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
        assertTrue(run.err().startsWith("not found: no workflow bs-test-no-such-"), run.err());
    }
}
