package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.fleet.LibvirtFleetActivities;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.blockshift.workflows.MigrationStatus;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * MigrateDisk and MigrateFleet driven the way an operator would from the Temporal CLI (the real
 * {@code temporal} binary), with plain JSON inputs: the command lines of the README.
 */
class TemporalCliTest extends LibvirtTemporalTest {

    @Test
    void temporalWorkflowStartWithPlainJsonMovesTheDisk() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32)) {
            vm.write(0x11, 1);
            String input = """
                    {"domain": "%s", "disk": "vda", "target": "%s", "cloner": "auto",
                     "connectUri": "qemu:///system", "bandwidthMiBps": 0, "keepSource": false}
                    """.formatted(vm.name, vm.target());

            MigrateDiskResult result = migrateFromCli(vm, input);

            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x11, 1));
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }

    @Test
    void anUnknownInputFieldIsRefusedByName() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            String input = """
                    {"domain": "%s", "disk": "vda", "target": "%s", "colour": "blue"}
                    """.formatted(vm.name, vm.target());

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrateFromCli(vm, input));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            assertTrue(failure.getOriginalMessage().contains("unknown field(s) [colour]"), failure.getOriginalMessage());
            assertEquals(vm.vda.toString(), vm.liveDisk("vda").source());
        }
    }

    /**
     * The README's Temporal CLI lines for a fleet, run with the real binary: {@code workflow start}
     * with plain JSON for two disks of one VM (they move one after the other, each slowed to take a
     * few seconds), {@code query --name progress}, {@code update execute --name pause} (the second
     * disk waits while the first finishes), {@code resume}, {@code cancel} (the running disk rolls
     * back, the finished one stays moved), and {@code show}.
     */
    @Test
    void aFleetStartedQueriedPausedResumedCanceledAndShownWithTheTemporalCli() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            vm.write("virtio-disk0", 0x11, 1);
            vm.write("virtio-disk1", 0x22, 2);
            String queue = TestVm.PREFIX + UUID.randomUUID();
            String id = queue;
            Path vdaTarget = vm.dst.resolve("vda-moved.img");
            Path vdbTarget = vm.dst.resolve("vdb-moved.img");
            // The plain cloner copies every byte, at 4 MiB/s: 16 MiB take about four seconds.
            String input = """
                    {"migrations": [
                       {"domain": "%s", "disk": "vda", "target": "%s", "cloner": "plain", "bandwidthMiBps": 4},
                       {"domain": "%s", "disk": "vdb", "target": "%s", "cloner": "plain", "bandwidthMiBps": 4}],
                     "maxConcurrent": 2, "onFailure": "continue"}
                    """.formatted(vm.name, vdaTarget, vm.name, vdbTarget);
            try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, activities(vm.dst),
                    new LibvirtFleetActivities(libvirt, new StorageRoots(List.of(vm.dst))), null, "test worker")) {
                temporalCli("workflow", "start", "--type", "MigrateFleet", "--task-queue", queue, "--workflow-id", id,
                        "--input", input);
                awaitProgress(id, p -> p.running() == 1);

                String progress = temporalCli("workflow", "query", "--workflow-id", id, "--name", "progress");
                assertTrue(progress.contains("\"total\":2") && progress.contains("\"running\":1"), progress);

                String paused = temporalCli("workflow", "update", "execute", "--workflow-id", id, "--name", "pause");
                assertTrue(paused.contains("state:paused"), "the update's answer says paused: " + paused);
                IOException again = assertThrows(IOException.class, () -> temporalCli("workflow", "update", "execute",
                        "--workflow-id", id, "--name", "pause"));
                assertTrue(again.getMessage().contains("the fleet is already paused"), again.getMessage());
                FleetProgress held = awaitProgress(id, p -> p.done() == 1);
                Thread.sleep(1000);
                held = progress(id);
                assertEquals("paused", held.state(), held::toString);
                assertEquals(0, held.running(), "paused: the second disk does not start " + held);
                assertEquals(1, held.pending(), held::toString);

                temporalCli("workflow", "update", "execute", "--workflow-id", id, "--name", "resume");
                awaitProgress(id, p -> p.running() == 1);
                String vdb = MigrateFleetWorkflowImpl.childWorkflowId(null, vm.guest().uuid(), "vdb");
                awaitPhase(vdb, "clone");
                temporalCli("workflow", "cancel", "--workflow-id", id);

                WorkflowFailedException canceled = assertThrows(WorkflowFailedException.class,
                        () -> client.newUntypedWorkflowStub(id).getResult(60, TimeUnit.SECONDS, FleetResult.class));
                assertInstanceOf(CanceledFailure.class, canceled.getCause());
                assertEquals(vdaTarget.toString(), vm.liveDisk("vda").source(), "the finished disk stays moved");
                assertEquals(vm.vdb.toString(), vm.liveDisk("vdb").source(), "the running disk rolled back");
                assertNull(vm.liveDisk("vdb").backingFile());
                assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
                assertTrue(TestVm.holds(vdaTarget, "raw", 0x11, 1));
                assertTrue(TestVm.holds(vm.vdb, "raw", 0x22, 2));

                String history = temporalCli("workflow", "show", "--workflow-id", id);
                for (String event : List.of("WorkflowExecutionStarted", "StartChildWorkflowExecutionInitiated",
                        "WorkflowExecutionUpdateAccepted", "WorkflowExecutionCancelRequested", "WorkflowExecutionCanceled")) {
                    assertTrue(history.contains(event), event + " in:\n" + history);
                }
            }
        }
    }

    /** {@code temporal ARGS --address <the test server>}: what it printed; an IOException if it failed. */
    private static String temporalCli(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(DevServer.findBinary().orElseThrow().toString());
        command.addAll(List.of(args));
        command.addAll(List.of("--address", temporal.target()));
        return Command.run(command, Duration.ofSeconds(60));
    }

    private static FleetProgress progress(String id) {
        return client.newUntypedWorkflowStub(id).query("progress", FleetProgress.class);
    }

    private static FleetProgress awaitProgress(String id, Predicate<FleetProgress> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        FleetProgress last = null;
        while (System.nanoTime() < deadline) {
            last = progress(id);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out; last progress: " + last);
    }

    private static void awaitPhase(String id, String phase) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                if (phase.equals(client.newUntypedWorkflowStub(id).query("status", MigrationStatus.class).phase())) {
                    return;
                }
            } catch (RuntimeException notStartedYet) {
                // the child's first workflow task has not run
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(id + " never reached " + phase);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Runs {@code temporal workflow start} against the test server, with a worker on a queue of its
     * own, and waits for the result.
     */
    private static MigrateDiskResult migrateFromCli(TestVm vm, String input) throws Exception {
        String queue = TestVm.PREFIX + UUID.randomUUID();
        try (BlockshiftWorker worker = BlockshiftWorker.start(client, queue, activities(vm.dst), null, "test worker")) {
            Command.run(List.of(DevServer.findBinary().orElseThrow().toString(), "workflow", "start",
                    "--address", temporal.target(), "--type", "MigrateDisk", "--task-queue", queue,
                    "--workflow-id", queue, "--input", input), Duration.ofSeconds(30));
            return client.newUntypedWorkflowStub(queue).getResult(60, TimeUnit.SECONDS, MigrateDiskResult.class);
        }
    }
}
