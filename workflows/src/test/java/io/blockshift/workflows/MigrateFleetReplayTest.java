package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    /** The second run of a fleet whose first run started two children and continued as new. */
    static final String CONTINUED = "histories/migrate-fleet-continued.json";
    /** The run of a fleet that found, by asking the server, a child of an earlier run terminated. */
    static final String CHECKED = "histories/migrate-fleet-checked.json";

    @Test
    void replaysRecordedFleetHistory() throws Exception {
        String history = resource(FLEET);
        assertTrue(history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED") && history.contains("DiskFinished"),
                "a completed fleet whose children reported");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateFleetWorkflowImpl.class);
    }

    @Test
    void replaysTheRunThatWaitsForChildrenOfAnEarlierRun() throws Exception {
        String history = resource(CONTINUED);
        assertTrue(history.contains("DiskFinished") && history.contains("EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED"),
                "a run that learns of earlier children by signal and starts one of its own");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateFleetWorkflowImpl.class);
    }

    @Test
    void replaysTheRunThatFoundAChildOfAnEarlierRunTerminated() throws Exception {
        String history = resource(CHECKED);
        assertTrue(history.contains("ClosedChildren") && history.contains("EVENT_TYPE_MARKER_RECORDED"),
                "a run that asked the server about its earlier children, behind its version marker");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateFleetWorkflowImpl.class);
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordCheckedHistory() throws Exception {
        childTime = Duration.ofMinutes(4);
        MigrateFleetRequest request = fleet(List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk("vm2", "vda", "/new/vm2-vda.img", null)), 1, 1, 1, "continue");
        request.childrenPerRun = 1;
        request.childCheckSeconds = 1;
        MigrateFleetWorkflow fleet = startFleet(request);
        while (fleet.progress().run() < 2) {
            Thread.sleep(20);
        }
        client.newUntypedWorkflowStub(MigrateFleetWorkflowImpl.childWorkflowId(null, uuidOf("vm1"), "vda")).terminate("test");
        childTime = Duration.ofMillis(300);
        FleetResult result = result(fleet);
        assertTrue(result.failed() == 1 && result.done() == 1, result::toString);
        // Walked from the last run: the test service may end a continued run's history before its last event.
        WorkflowExecutionHistory history = client.fetchHistory(FLEET_ID);
        while (!history.toJson(false).contains("ClosedChildren")) {
            history = client.fetchHistory(FLEET_ID, history.getEvents().get(0)
                    .getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId());
        }
        Files.writeString(Path.of("src/test/resources", CHECKED), history.toJson(true) + "\n");
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordContinuedHistory() throws Exception {
        childTime = Duration.ofSeconds(1);
        MigrateFleetRequest request = fleet(List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk("vm2", "vda", "/new/vm2-vda.img", "host1"),
                disk("vm3", "vda", "/new/vm3-vda.img", null)), 2, 2, 2, "continue");
        request.childrenPerRun = 2;
        FleetResult result = result(startFleet(request));
        assertTrue(result.runs() == 2 && result.done() == 3, result::toString);
        Path file = Path.of("src/test/resources", CONTINUED);
        Files.writeString(file, client.fetchHistory(FLEET_ID).toJson(true) + "\n");
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
