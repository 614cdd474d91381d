package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.temporal.common.WorkflowExecutionHistory;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the recorded MigrateFleet histories against today's {@link MigrateFleetWorkflowImpl}: a
 * fleet of four disks, one refused, with a pause and a resume; the second run of a fleet that
 * continued as new; a run that found a child of an earlier run terminated. To re-record one (see
 * {@link MigrateDiskReplayTest} for when that is right), from the repository root:
 * <pre>
 * ./mvnw -o -B verify -pl workflows -Dtest='MigrateFleetReplayTest#recordHistory' -Dblockshift.recordHistories=true
 * </pre>
 */
class MigrateFleetReplayTest extends MigrateFleetTestBase {

    static final String FLEET = "histories/migrate-fleet.json";
    /** The second run of a fleet whose first run started two children and continued as new. */
    static final String CONTINUED = "histories/migrate-fleet-continued.json";
    /** The run of a fleet that found, by asking the server, a child of an earlier run terminated. */
    static final String CHECKED = "histories/migrate-fleet-checked.json";

    static Stream<Arguments> recordedHistories() {
        return Stream.of(
                arguments(FLEET, "a completed fleet whose children reported",
                        List.of("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED", MigrateFleetWorkflow.DISK_FINISHED)),
                arguments(CONTINUED, "a run that learns of earlier children by signal and starts one of its own",
                        List.of(MigrateFleetWorkflow.DISK_FINISHED, "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED")),
                arguments(CHECKED, "a run that asked the server about its earlier children, behind its version marker",
                        List.of(FleetActivities.CLOSED_CHILDREN, "EVENT_TYPE_MARKER_RECORDED")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedHistories")
    void replaysOnTodaysMigrateFleet(String resource, String what, List<String> marks) throws Exception {
        Histories.replay(resource, what, marks, MigrateFleetWorkflowImpl.class);
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordCheckedHistory() throws Exception {
        MigrateFleetWorkflow fleet = startFleetWhoseFirstChildOutlivesItsRun();
        client.newUntypedWorkflowStub(MigrateFleetWorkflowImpl.childWorkflowId(null, uuidOf("vm1"), "vda")).terminate("test");
        childTime = Duration.ofMillis(300);
        FleetResult result = result(fleet);
        assertTrue(result.failed() == 1 && result.done() == 1, result::toString);
        // Walked from the last run: the test service may end a continued run's history before its last event.
        WorkflowExecutionHistory history = client.fetchHistory(FLEET_ID);
        while (!history.toJson(false).contains(FleetActivities.CLOSED_CHILDREN)) {
            history = client.fetchHistory(FLEET_ID, history.getEvents().get(0)
                    .getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId());
        }
        Histories.rerecord(CHECKED, history);
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
        Histories.rerecord(CONTINUED, client.fetchHistory(FLEET_ID));
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
        Histories.rerecord(FLEET, client.fetchHistory(FLEET_ID));
    }
}
