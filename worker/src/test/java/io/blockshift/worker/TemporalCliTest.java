package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.workflows.MigrateDiskResult;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** MigrateDisk started the way an operator would from the Temporal CLI, with a plain JSON input. */
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
