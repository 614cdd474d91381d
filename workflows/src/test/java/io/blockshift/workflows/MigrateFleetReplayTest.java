package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Replays a recorded MigrateFleet history (three disks, one refused, a pause and a resume) against
 * today's {@link MigrateFleetWorkflowImpl}. To re-record (see {@link MigrateDiskReplayTest} for when that is right):
 * <pre>
 * ./mvnw -o -B install -pl workflows -Dtest='MigrateFleetReplayTest#recordHistory' -Dblockshift.recordHistories=true
 * </pre>
 */
class MigrateFleetReplayTest extends MigrateFleetTestBase {

    static final String FLEET = "histories/migrate-fleet.json";

    @Test
    void replaysRecordedFleetHistory() throws Exception {
        String history = resource(FLEET);
        assertTrue(history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED") && history.contains("DiskFinished"),
                "a completed fleet whose children reported");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateFleetWorkflowImpl.class);
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordHistory() throws Exception {
        MigrateFleetWorkflow fleet = startFleet(fleet(List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk("vm1", "vdb", "/new/vm1-vdb.img", null),
                disk(MISSING + "vm2", "vda", "/new/vm2-vda.img", null),
                disk("vm3", "vda", "/new/vm3-vda.img", "host1")), 2, 2, 2, "continue"));
        fleet.pause();
        Thread.sleep(1000);
        fleet.resume();
        result(fleet);
        Path file = Path.of("src/test/resources", FLEET);
        Files.createDirectories(file.getParent());
        Files.writeString(file, client.fetchHistory(FLEET_ID).toJson(true) + "\n");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MigrateFleetReplayTest.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, name + " is on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
