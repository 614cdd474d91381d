package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TestTemporalCluster;
import io.blockshift.worker.TestVm;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * blockshift on a production-shaped Temporal (PostgreSQL, four services; {@link TestTemporalCluster}):
 * a fleet started with {@code temporal workflow start} moves while the history service is killed
 * and restarted, the frontend is killed and restarted, and PostgreSQL restarts; it finishes with
 * each step of each disk scheduled once and no compensation (a step whose completion the killed
 * history service lost runs again after its timeout: Temporal delivers at least once); {@code blockshift list} finds every disk by blockshift's search
 * attributes in SQL visibility, and {@code blockshift audit} reads each history.
 */
@DisabledIfSystemProperty(named = "blockshift.skipCluster", matches = "true")
class TemporalClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> EVERY_STEP_ONCE = List.of(MigrationActivities.PREFLIGHT, MigrationActivities.SNAPSHOT,
            MigrationActivities.CLONE_BASE, MigrationActivities.CREATE_OVERLAY, MigrationActivities.MIRROR_TO_OVERLAY,
            MigrationActivities.COMMIT_OVERLAY, MigrationActivities.CLEANUP);

    @AutoClose
    static TestTemporalCluster cluster;
    @AutoClose
    static LibvirtConnections libvirt;
    static WorkflowClient client;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestTemporalCluster.start();
        client = cluster.client();
        libvirt = new LibvirtConnections();
    }

    @Test
    void aFleetFinishesThroughKillsOfHistoryAndFrontendAndAPostgresRestartWithEachStepOnce() throws Exception {
        try (TestVm one = TestVm.start(libvirt, "raw", 16); TestVm two = TestVm.start(libvirt, "raw", 16);
                TestVm three = TestVm.start(libvirt, "qcow2", 16)) {
            List<TestVm> vms = List.of(one, two, three);
            int pattern = 0x11;
            for (TestVm vm : vms) {
                vm.write(pattern++, 1);
            }
            String queue = TestVm.PREFIX + UUID.randomUUID();
            String id = queue;
            // The plain cloner at 4 MiB/s: each 16 MiB disk copies for about four seconds.
            List<String> migrations = new ArrayList<>();
            for (TestVm vm : vms) {
                migrations.add("{\"domain\": \"%s\", \"disk\": \"vda\", \"target\": \"%s\", \"cloner\": \"plain\", \"bandwidthMiBps\": 4}"
                        .formatted(vm.name, vm.target()));
            }
            String input = "{\"migrations\": [" + String.join(", ", migrations) + "], \"maxConcurrent\": 2}";
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null,
                    new StorageRoots(List.of(one.dst, two.dst, three.dst)))) {
                temporalCli("workflow", "start", "--type", "MigrateFleet", "--task-queue", queue, "--workflow-id", id,
                        "--input", input);

                awaitProgress(id, p -> p.running() > 0);
                cluster.kill("history");
                Thread.sleep(2000);
                cluster.restart("history");

                awaitProgress(id, p -> p.done() >= 1);
                cluster.kill("frontend");
                Thread.sleep(2000);
                cluster.restart("frontend");

                // The last disk may have finished while the frontend was down: PostgreSQL restarts
                // under a running fleet when one is still running, and under the finished one's reads
                // (the result, the audit, the list below) when not.
                awaitProgress(id, p -> p.running() > 0 || p.done() == p.total());
                cluster.restartPostgres(Duration.ofSeconds(2));

                FleetResult result = client.newUntypedWorkflowStub(id).getResult(WAIT.toSeconds(), TimeUnit.SECONDS,
                        FleetResult.class);
                assertEquals(3, result.done(), result::toString);
                assertEquals(0, result.failed(), result::toString);
            }

            pattern = 0x11;
            for (TestVm vm : vms) {
                assertEquals(vm.target().toString(), vm.liveDisk("vda").source(), vm.name + " runs on B");
                assertTrue(TestVm.holds(vm.target(), vm.format, pattern++, 1), vm.name + "'s write is on B");
                String child = MigrateFleetWorkflowImpl.childWorkflowId(null, vm.uuid(), "vda");
                CliRun audit = blockshift("audit", child, "--json");
                assertEquals(ExitCodes.OK, audit.exitCode(), audit::toString);
                JsonNode report = JSON.readTree(audit.out());
                assertEquals("completed", report.get("status").asText(), audit.out());
                List<String> steps = new ArrayList<>();
                report.get("steps").forEach(step -> {
                    steps.add(step.get("activity").asText());
                    assertEquals("completed", step.get("outcome").asText(), step.toString());
                    if (step.get("attempts").asInt() > 1) {
                        // A step whose completion a killed history service lost is run again when its
                        // timeout fires (Temporal delivers at least once); every step is idempotent.
                        System.out.println(child + ": " + step.get("activity").asText() + " ran "
                                + step.get("attempts").asInt() + " times: " + step.get("lastRetriedFailure"));
                    }
                });
                assertEquals(EVERY_STEP_ONCE, steps, child + ": each step scheduled once, no compensation");
                CliRun found = blockshift("list", "--domain", vm.name, "--outcome", "done", "--json");
                assertEquals(ExitCodes.OK, found.exitCode(), found::toString);
                assertEquals(1, JSON.readTree(found.out()).size(),
                        "SQL visibility finds " + vm.name + "'s migration by blockshift's attributes: " + found.out());
            }
        }
    }

    private static String temporalCli(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(DevServer.findBinary().orElseThrow().toString());
        command.addAll(List.of(args));
        command.addAll(List.of("--address", cluster.target()));
        return Command.run(command, Duration.ofSeconds(60));
    }

    private static CliRun blockshift(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--temporal", cluster.target()));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static FleetProgress awaitProgress(String id, Predicate<FleetProgress> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        FleetProgress last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = client.newUntypedWorkflowStub(id).query("progress", FleetProgress.class);
                if (condition.test(last)) {
                    return last;
                }
            } catch (RuntimeException unavailable) {
                // a service is restarting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out; last progress: " + last);
    }
}
