package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.blockshift.worker.TestVm;
import io.blockshift.client.session.FleetFollower;
import io.blockshift.client.session.MigrationFollower;
import io.blockshift.client.session.WorkflowQueries;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code blockshift fleet}, {@code pause}, {@code resume}, {@code status}, {@code cancel},
 * {@code list} and {@code plan} as an operator runs them, on real parts: a Temporal CLI dev server,
 * a blockshift worker, and libvirtd + QEMU running throwaway {@code bs-test-} VMs.
 */
class FleetCommandTest extends LibvirtTemporalCliTest {

    // ------------------------------------------------------------------ fleet: file and selector

    @Test
    void fleetFromAJsonFileMovesTwoVmsDisksPrintsTheResultAsJsonAndListShowsIt() throws Exception {
        Path dir = testDir();
        try (TestVm one = vm(dir, "one"); TestVm two = vm(dir, "two")) {
            Map<TestVm, Long> sums = Map.of(one, TestVm.checksum(one.vda), two, TestVm.checksum(two.vda));
            Path file = Files.writeString(dir.resolve("fleet.json"), """
                    {"migrations": [
                       {"domain": "%s", "disk": "vda", "target": "%s"},
                       {"domain": "%s", "disk": "vda", "target": "%s"}],
                     "maxConcurrent": 2}
                    """.formatted(one.name, target(one), two.name, target(two)));
            String id = "bs-test-fleet-" + UUID.randomUUID();

            CliRun run = cli("fleet", file.toString(), "--workflow-id", id, "--json", "--requested-by", "alice");

            assertEquals(ExitCodes.OK, run.exitCode(), run::toString);
            JsonNode outcome = JSON.readTree(run.out());
            assertEquals(id, outcome.get("workflowId").asText());
            assertEquals("done", outcome.get("outcome").asText());
            assertEquals(2, outcome.get("result").get("done").asInt(), run::toString);
            assertEquals(2, outcome.get("result").get("total").asInt());
            assertEquals(0, outcome.get("result").get("failed").asInt());
            assertTrue(run.err().contains("workflow: " + id), run.err());
            for (TestVm vm : List.of(one, two)) {
                assertMovedWithItsBytes(vm, sums.get(vm));
            }

            CliRun list = cli("list", "--json", "--limit", "100");
            assertEquals(ExitCodes.OK, list.exitCode(), list::toString);
            List<String> listed = new ArrayList<>();
            JSON.readTree(list.out()).forEach(row -> listed.add(row.get("workflowId").asText()));
            assertTrue(listed.contains(id), listed::toString);
            String childOfOne = MigrateFleetWorkflowImpl.childWorkflowId(null, one.uuid(), "vda");
            assertTrue(listed.contains(childOfOne), "each disk's migration is listed too: " + listed);
            JsonNode fleetRow = null;
            for (JsonNode row : JSON.readTree(list.out())) {
                if (row.get("workflowId").asText().equals(id)) {
                    fleetRow = row;
                }
            }
            assertEquals("MigrateFleet", fleetRow.get("type").asText());
            assertEquals("completed", fleetRow.get("status").asText());
            assertEquals("alice", fleetRow.get("requestedBy").asText());

            CliRun fleets = cli("list", "--fleets", "--limit", "100");
            assertTrue(fleets.out().contains(id), fleets::toString);
            assertFalse(fleets.out().contains(childOfOne), "--fleets lists no single disks: " + fleets.out());

            // The filters are queries on the search attributes the worker registered and MigrateDisk set;
            // visibility catches up with the last upsert a moment after the workflow closes.
            List<String> byDomain = List.of();
            for (long deadline = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < deadline; Thread.sleep(200)) {
                CliRun filtered = cli("list", "--domain", one.name, "--outcome", "done", "--target", target(one).toString(),
                        "--json");
                assertEquals(ExitCodes.OK, filtered.exitCode(), filtered::toString);
                List<String> ids = new ArrayList<>();
                JSON.readTree(filtered.out()).forEach(row -> ids.add(row.get("workflowId").asText()));
                byDomain = ids;
                if (!ids.isEmpty()) {
                    break;
                }
            }
            assertEquals(List.of(childOfOne), byDomain, "list --domain --outcome --target finds one's disk alone");
        }
    }

    @Test
    void fleetFromAYamlFileMovesTwoVmsDisksWithinItsLimits() throws Exception {
        Path dir = testDir();
        try (TestVm one = vm(dir, "one"); TestVm two = vm(dir, "two")) {
            long sumOne = TestVm.checksum(one.vda);
            long sumTwo = TestVm.checksum(two.vda);
            Path file = Files.writeString(dir.resolve("fleet.yaml"), """
                    # the same object as the JSON one, in YAML
                    migrations:
                      - domain: %s
                        disk: vda
                        target: %s
                      - {domain: %s, disk: vda, target: %s}
                    maxConcurrent: 1
                    onFailure: stop
                    """.formatted(one.name, target(one), two.name, target(two)));

            CliRun run = cli("fleet", file.toString());

            assertEquals(ExitCodes.OK, run.exitCode(), run::toString);
            assertTrue(run.out().matches("(?s)workflow: fleet-fleet-[0-9a-f]{6}\n.*"), run.out());
            assertTrue(run.out().contains(": 2 of 2 disk(s) moved"), run.out());
            assertMovedWithItsBytes(one, sumOne);
            assertMovedWithItsBytes(two, sumTwo);
        }
    }

    @Test
    void fleetFromSelectorFlagsMovesTheDiskOfEveryMatchingVm() throws Exception {
        Path dir = testDir();
        String prefix = dir.getFileName().toString();
        try (TestVm one = vm(dir, "one"); TestVm two = vm(dir, "two")) {
            long sumOne = TestVm.checksum(one.vda);
            long sumTwo = TestVm.checksum(two.vda);
            Path moved = Files.createDirectory(dir.resolve("moved"));

            CliRun run = cli("fleet", "--domains", prefix + "-*", "--source-under", dir.toString(),
                    "--target-dir", moved.toString(), "--cloner", "sparse", "--json");

            assertEquals(ExitCodes.OK, run.exitCode(), run::toString);
            assertEquals(2, JSON.readTree(run.out()).get("result").get("done").asInt(), run::toString);
            for (TestVm vm : List.of(one, two)) {
                Path b = moved.resolve(vm.name + "-vda.img");
                assertEquals(b.toString(), vm.liveDisk().source());
                assertEquals(b.toString(), vm.persistentDisk().source());
                assertNull(vm.liveDisk().backingFile());
                assertEquals(List.of(), vm.files(), "A, A' and B' are gone from " + vm.dir);
                assertEquals(vm == one ? sumOne : sumTwo, TestVm.checksum(b), "B holds A's bytes");
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "fleet.json | {\"migrations\": [{\"domain\": \"d\", \"disk\": \"vda\", \"target\": \"/t.img\"}], \"colour\": 1}"
                + " | 3 | unknown field(s) [colour]",
        "fleet.json | {\"migrations\": [{\"domain\": \"d\", \"disk\": \"vda\", \"target\": \"/t.img\", \"speed\": 9}]}"
                + " | 3 | migrations[0]: unknown field(s) [speed]",
        "fleet.json | {\"migrations\": [ | 3 | is not valid JSON",
        "fleet.txt | move everything please | 3 | is not a fleet: it holds just text",
        "fleet.yaml | 'select: {domains: web-*, sourceUnder: /old, targetDir: /new, hosts: [a]}' | 3"
                + " | unknown field(s) [hosts] in 'select'",
        "fleet.yaml | 'maxConcurrent: four' | 3 | field 'maxConcurrent'",
        "missing.json | | 2 | no fleet file",
    })
    void aBadFleetFileIsRefusedNamingTheProblemAndStartsNothing(String name, String content, int exitCode,
            String message) throws Exception {
        Path dir = testDir();
        Path file = dir.resolve(name);
        if (content != null) {
            Files.writeString(file, content);
        }
        String id = "bs-test-bad-" + UUID.randomUUID();

        CliRun run = cli("fleet", file.toString(), "--workflow-id", id);

        assertEquals(exitCode, run.exitCode(), run::toString);
        assertTrue(run.err().contains(message), run.err());
        assertTrue(run.err().contains(file.toString()), "the message names the file: " + run.err());
        assertTrue(WorkflowQueries.latestRun(client, id).isEmpty(), "no workflow was started");
    }

    @Test
    void fileAndSelectorFlagsTogetherOrNeitherAreUsageErrorsAndBadFlagValuesAreRefused() throws Exception {
        Path file = Files.writeString(testDir().resolve("f.json"), "{}");

        CliRun both = cli("fleet", file.toString(), "--domains", "web-*");
        CliRun neither = cli("fleet", "--domains", "web-*");
        CliRun badLimit = cli("fleet", "--domains", "web-*", "--source-under", "/old", "--target-dir", "/new",
                "--max-concurrent", "0");

        assertEquals(ExitCodes.USAGE, both.exitCode(), both::toString);
        assertTrue(both.err().contains("not both: --domains"), both.err());
        assertEquals(ExitCodes.USAGE, neither.exitCode(), neither::toString);
        assertTrue(neither.err().contains("--source-under DIR --target-dir DIR"), neither.err());
        assertEquals(ExitCodes.REFUSED, badLimit.exitCode(), badLimit::toString);
        assertTrue(badLimit.err().contains("--max-concurrent is 0: give 1 to 1000"), badLimit.err());
        CliRun badOnFailure = cli("fleet", "--domains", "web-*", "--source-under", "/old", "--target-dir", "/new",
                "--on-failure", "x");
        assertEquals(ExitCodes.REFUSED, badOnFailure.exitCode(), badOnFailure::toString);
        assertTrue(badOnFailure.err().contains("--on-failure is 'x': give continue or stop"), badOnFailure.err());
        assertTrue(badOnFailure.err().contains("Nothing was started"), badOnFailure.err());
    }

    // ------------------------------------------------------------------ pause, resume, status, cancel

    @Test
    void pauseHoldsBackTheNextDiskResumeStartsItAndStatusShowsTheCounts() throws Exception {
        Path dir = testDir();
        try (TestVm one = vm(dir, "one"); TestVm two = vm(dir, "two")) {
            // 4 MiB at 1 MiB/s: each disk takes about four seconds, one at a time.
            Path file = slowFleet(dir, 1, one, two);
            CliRun started = cli("fleet", file.toString(), "--detach", "--max-concurrent", "1");
            assertEquals(ExitCodes.OK, started.exitCode(), started::toString);
            String id = started.out().strip();
            awaitProgress(id, p -> p.running() == 1, "the first disk moving");

            CliRun paused = cli("pause", id);
            CliRun pausedAgain = cli("pause", id);
            CliRun status = cli("status", id, "--once");

            assertEquals(ExitCodes.OK, paused.exitCode(), paused::toString);
            assertTrue(paused.out().startsWith("paused fleet " + id + ": paused 0/2 done, 1 running"), paused.out());
            assertEquals(ExitCodes.REFUSED, pausedAgain.exitCode(), pausedAgain::toString);
            assertTrue(pausedAgain.err().contains("already paused"), pausedAgain.err());
            assertEquals(ExitCodes.OK, status.exitCode(), status::toString);
            assertTrue(status.out().startsWith(id + ": paused 0/2 done, 1 running, 0 failed, 0 canceled, 1 pending"),
                    status.out());

            FleetProgress held = awaitProgress(id, p -> p.done() == 1, "the first disk done");
            Thread.sleep(1000);
            held = FleetFollower.progress(client, id).orElseThrow();
            assertEquals(0, held.running(), "paused: the second disk does not start " + held);
            assertEquals(1, held.pending(), held::toString);

            CliRun resumed = cli("resume", id, "--json");
            assertEquals(ExitCodes.OK, resumed.exitCode(), resumed::toString);
            assertEquals("running", JSON.readTree(resumed.out()).get("progress").get("state").asText(), resumed.out());
            CliRun followed = cli("status", id, "--json");

            assertEquals(ExitCodes.OK, followed.exitCode(), followed::toString);
            assertEquals(2, JSON.readTree(followed.out()).get("result").get("done").asInt(), followed::toString);
            assertEquals(target(one).toString(), one.liveDisk().source());
            assertEquals(target(two).toString(), two.liveDisk().source());
            CliRun resumeEnded = cli("resume", id);
            assertEquals(ExitCodes.REFUSED, resumeEnded.exitCode(), resumeEnded::toString);
            assertTrue(resumeEnded.err().contains("has ended (completed)"), resumeEnded.err());
            String child = MigrateFleetWorkflowImpl.childWorkflowId(null, one.uuid(), "vda");
            CliRun pauseDisk = cli("pause", child);
            assertEquals(ExitCodes.REFUSED, pauseDisk.exitCode(), pauseDisk::toString);
            assertTrue(pauseDisk.err().contains("is a MigrateDisk, not a fleet"), pauseDisk.err());
        }
    }

    @Test
    void cancelOfAFleetRollsTheRunningDiskBackAndTheFollowingFleetCommandExitsCanceled() throws Exception {
        Path dir = testDir();
        try (TestVm vm = vm(dir, "one")) {
            long sum = TestVm.checksum(vm.vda);
            FleetInBackground background = slowFleetCopying(dir, vm);
            // The copy takes four seconds: two and a half in, the fleet's line shows its bytes moving
            // (on a loaded machine maybe only some KiB of them).
            Thread.sleep(2500);

            CliRun cancel = cli("cancel", background.id());

            assertEquals(ExitCodes.CANCELED, cancel.exitCode(), cancel::toString);
            assertTrue(cancel.err().contains("canceled: the running disk(s) rolled back; 0 of 1 disk(s) had moved"),
                    cancel.err());
            CliRun fleet = background.command().get(60, TimeUnit.SECONDS);
            assertEquals(ExitCodes.CANCELED, fleet.exitCode(), fleet::toString);
            assertTrue(fleet.err().lines().anyMatch(line -> line.matches(
                    "running 0/1 done, 1 running, 0 failed, 0 canceled, 0 pending; [1-9][0-9.]* [KMG]iB / 4 MiB.*")),
                    "the live line counts the running disk's copied bytes: " + fleet.err());
            assertBackOnA(vm, sum);
        }
    }

    @Test
    void ctrlCDuringAFleetCancelsItAndWaitsForTheRollback() throws Exception {
        Path dir = testDir();
        try (TestVm vm = vm(dir, "one")) {
            long sum = TestVm.checksum(vm.vda);
            FleetInBackground background = slowFleetCopying(dir, vm, "--json");

            Interrupts.dispatch();

            CliRun fleet = background.command().get(60, TimeUnit.SECONDS);
            assertEquals(ExitCodes.CANCELED, fleet.exitCode(), fleet::toString);
            JsonNode outcome = JSON.readTree(fleet.out());
            assertEquals("canceled", outcome.get("outcome").asText(), fleet.out());
            assertEquals(1, outcome.get("result").get("canceled").asInt(), fleet.out());
            assertBackOnA(vm, sum);
        }
    }

    @Test
    void statusCancelPauseAndResumeOfAnUnknownIdExitNotFound() {
        for (String command : List.of("status", "cancel", "pause", "resume")) {
            CliRun run = cli(command, "bs-test-no-such-" + UUID.randomUUID());
            assertEquals(ExitCodes.NOT_FOUND, run.exitCode(), command + ": " + run);
            assertTrue(run.err().startsWith("not found: no workflow bs-test-no-such-"), run.err());
        }
    }

    @Test
    void planPrintsTheStepsAndChangesNothing() throws Exception {
        Path dir = testDir();
        try (TestVm vm = vm(dir, "one")) {
            String xml = vm.liveXml();
            List<String> files = vm.files();

            CliRun run = CliRun.of("plan", "--domain", vm.name, "--disk", "vda", "--target", target(vm).toString());

            assertEquals(ExitCodes.OK, run.exitCode(), run::toString);
            assertTrue(run.out().contains("preflight passed: disk vda of " + vm.name), run.out());
            assertTrue(run.out().contains("qemu-img create -f qcow2 -b " + target(vm) + " -F raw"), run.out());
            assertTrue(run.out().contains("6 cleanup   delete " + vm.vda), run.out());
            assertEquals(xml, vm.liveXml(), "the domain is untouched");
            assertEquals(files, vm.files(), "no file was created or removed");
        }
    }

    @Test
    void planOfAShutOffVmPrintsTheHoldTheCopyAndTheDefineWithNoSnapshot() throws Exception {
        Path dir = testDir();
        try (TestVm vm = vm(dir, "off")) {
            vm.stop();
            String xml = vm.persistentXml();
            List<String> files = vm.files();

            CliRun run = CliRun.of("plan", "--domain", vm.name, "--disk", "vda", "--target", target(vm).toString());

            assertEquals(ExitCodes.OK, run.exitCode(), run::toString);
            assertTrue(run.out().contains(vm.name + " is shut off: its disk moves by copy and a define"), run.out());
            assertTrue(run.out().contains("1 claim     hold " + vm.vda), run.out());
            assertTrue(run.out().contains("3 define    virDomainDefineXML"), run.out());
            assertTrue(run.out().contains("4 cleanup   delete " + vm.vda), run.out());
            assertTrue(!run.out().contains("snapshot  external"), run.out());
            assertEquals(xml, vm.persistentXml(), "the domain is untouched");
            assertEquals(files, vm.files(), "no file was created or removed");
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A fleet file moving each VM's vda with the plain cloner at {@code mibps} MiB/s. */
    private static Path slowFleet(Path dir, int mibps, TestVm... vms) throws Exception {
        List<String> migrations = new ArrayList<>();
        for (TestVm vm : vms) {
            migrations.add("{\"domain\": \"%s\", \"disk\": \"vda\", \"target\": \"%s\", \"cloner\": \"plain\", \"bandwidthMiBps\": %d}"
                    .formatted(vm.name, target(vm), mibps));
        }
        return Files.writeString(dir.resolve("slow-fleet.json"), "{\"migrations\": [" + String.join(", ", migrations) + "]}");
    }

    /** A {@code blockshift fleet} running on a thread of its own, as in an operator's other terminal. */
    private record FleetInBackground(String id, CompletableFuture<CliRun> command) {
    }

    /**
     * Runs {@code blockshift fleet} with {@code options} in the background, moving the VM's vda at
     * 1 MiB/s (four seconds for its 4 MiB), and returns once the disk is copying: before the point
     * of no return.
     */
    private static FleetInBackground slowFleetCopying(Path dir, TestVm vm, String... options) throws Exception {
        String id = "bs-test-fleet-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of("fleet", slowFleet(dir, 1, vm).toString(), "--workflow-id", id));
        args.addAll(List.of(options));
        CompletableFuture<CliRun> command = CliRun.inBackground(withServer(args.toArray(String[]::new)));
        awaitCloning(id, vm);
        return new FleetInBackground(id, command);
    }

    private static FleetProgress awaitProgress(String id, Predicate<FleetProgress> condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Optional<FleetProgress> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            last = FleetFollower.progress(client, id);
            if (last.isPresent() && condition.test(last.get())) {
                return last.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; last progress: " + last);
    }

    /** Waits until the fleet's migration of the VM's vda is copying: before the point of no return. */
    private static void awaitCloning(String fleetId, TestVm vm) throws Exception {
        awaitProgress(fleetId, p -> p.running() == 1, "the disk moving");
        String child = MigrateFleetWorkflowImpl.childWorkflowId(null, vm.uuid(), "vda");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!MigrationFollower.status(client, child)
                .map(s -> s.phase().equals("clone")).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(child + " never reached the clone step");
            }
            Thread.sleep(50);
        }
    }

    /** The VM runs on B alone, in both XMLs, B holds A's bytes, and only B is left. */
    private static void assertMovedWithItsBytes(TestVm vm, long sumOfA) throws Exception {
        assertEquals(target(vm).toString(), vm.liveDisk().source());
        assertEquals(target(vm).toString(), vm.persistentDisk().source(), "the persistent XML names B");
        assertNull(vm.liveDisk().backingFile());
        assertEquals(List.of("dst/vda.img"), vm.files(), "A, A' and B' are gone");
        assertEquals(sumOfA, TestVm.checksum(target(vm)), "B holds A's bytes");
    }

    /** The VM runs on A alone with its bytes, and nothing new is left. */
    private static void assertBackOnA(TestVm vm, long sumOfA) throws Exception {
        assertEquals(vm.vda.toString(), vm.liveDisk().source());
        assertEquals(vm.vda.toString(), vm.persistentDisk().source());
        assertNull(vm.liveDisk().backingFile());
        assertEquals(List.of("src/vda.img"), vm.files(), "A', B and B' are gone");
        assertEquals(sumOfA, TestVm.checksum(vm.vda));
    }
}
