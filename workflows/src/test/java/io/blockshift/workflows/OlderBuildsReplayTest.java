package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.doThrow;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the histories that earlier builds of blockshift recorded, one directory per build under
 * {@code src/test/resources/histories/builds/<commit>/}, against today's workflows: a failure here means a
 * worker upgraded to this build would break the migrations those builds left in flight.
 *
 * <p>{@code b356c55} holds what the build of that commit (hosts-and-fleets version 1: activities routed to the
 * request's host, children reporting to their fleet) records: a migration that completed, one rolled back at the
 * mirror, and a fleet whose real MigrateDisk children ran on a host's task queue, with one child's history.
 * The histories in {@code histories/} itself are older still, from before hosts-and-fleets. {@code 0c22f99}
 * holds the same four from the build that added local-steps (snapshot, overlay, active layer and
 * clean-up as local activities, recorded as markers) and children-on-host-queues (the fleet's child on
 * {@code blockshift-host-kvm-2}).
 *
 * <p>To add the histories of a later build, run the recorder in a checkout of that build (a
 * {@code git worktree add --detach DIR COMMIT}) and commit the directory it writes into this one:
 * <pre>
 * ./mvnw -o -B test -pl workflows -Dtest='OlderBuildsReplayTest#recordHistories' -Dblockshift.recordHistoriesOf=$(git rev-parse --short HEAD)
 * </pre>
 * It never overwrites a recorded history.
 */
class OlderBuildsReplayTest extends MigrateFleetTestBase {

    static final String BUILDS = "histories/builds";
    static final String COMPLETED = "migrate-disk-completed.json";
    static final String ROLLED_BACK = "migrate-disk-rolled-back-at-mirror.json";
    static final String FLEET = "migrate-fleet-with-children-on-a-host.json";
    static final String CHILD = "migrate-disk-child-of-a-fleet-on-a-host.json";

    /** The fleet's children run on this host's task queue. */
    static final String HOST = "kvm-2";

    MigrationActivities activities;

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedHistories")
    void replaysOnTodaysWorkflows(String name) throws Exception {
        String closed = name.endsWith(ROLLED_BACK) ? "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED" : "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED";
        Histories.replay(BUILDS + "/" + name, "a closed workflow's history", List.of(closed),
                MigrateDiskWorkflowImpl.class, MigrateFleetWorkflowImpl.class);
    }

    @Test
    void holdsTheHistoriesOfBuildB356c55() throws Exception {
        assertEquals(List.of("b356c55/" + CHILD, "b356c55/" + COMPLETED, "b356c55/" + ROLLED_BACK, "b356c55/" + FLEET),
                recordedHistories().filter(name -> name.startsWith("b356c55/")).toList());
        for (String disk : List.of(COMPLETED, ROLLED_BACK, CHILD)) {
            assertEquals(Map.of(MigrateDiskVersions.HOSTS_AND_FLEETS, 1), Histories.versionMarkers(BUILDS + "/b356c55/" + disk),
                    disk + " took the hosts-and-fleets branch, as every migration that build started did");
        }
    }

    @Test
    void holdsTheHistoriesOfBuild0c22f99WithLocalSteps() throws Exception {
        for (String disk : List.of(COMPLETED, ROLLED_BACK, CHILD)) {
            assertEquals(Map.of(MigrateDiskVersions.HOSTS_AND_FLEETS, 1, MigrateDiskVersions.SEARCH_ATTRIBUTES, 1,
                            MigrateDiskVersions.LOCAL_STEPS, 1), Histories.versionMarkers(BUILDS + "/0c22f99/" + disk),
                    disk + " took the local-steps branch");
        }
        assertEquals(Map.of(MigrateFleetVersions.CHILDREN_ON_HOST_QUEUES, 1),
                Histories.versionMarkers(BUILDS + "/0c22f99/" + FLEET), "the fleet started its children on the host's queue");
    }

    /** Every recorded history, as {@code <commit>/<file>}, sorted. */
    static Stream<String> recordedHistories() throws IOException, URISyntaxException {
        return Histories.under(BUILDS).stream();
    }

    /** Real MigrateDisk children whose activities (mocked, on the happy path) run on {@link #HOST}'s queue and on the default one. */
    @Override
    void registerChildren() {
        activities = registerRealChildren();
        Worker onHost = env.newWorker(MigrateDiskWorkflow.hostTaskQueue(HOST));
        onHost.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        onHost.registerActivitiesImplementations(activities, new FakeLookups());
    }

    /** Records this build's histories into {@code src/test/resources/histories/builds/<commit>/}. */
    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistoriesOf", matches = "[0-9a-f]{7,40}")
    void recordHistories() throws Exception {
        String into = BUILDS + "/" + System.getProperty("blockshift.recordHistoriesOf") + "/";

        MigrateDiskWorkflow completed = migrateDisk("migrate-vm1-vda");
        completed.migrate(Fixtures.request());
        record(into + COMPLETED, "migrate-vm1-vda");

        MigrateFleetWorkflow fleet = startFleet(fleet(List.of(
                disk("vm2", "vda", "/new/vm2-vda.img", HOST),
                disk("vm2", "vdb", "/new/vm2-vdb.img", HOST),
                disk("vm3", "vda", "/new/vm3-vda.img", HOST)), 2, 2, 2, "continue"));
        FleetResult result = result(fleet);
        assertEquals(3, result.done(), result::toString);
        record(into + FLEET, FLEET_ID);
        record(into + CHILD, MigrateFleetWorkflowImpl.childWorkflowId(HOST, uuidOf("vm2"), "vda"));

        Call.MIRROR.on(doThrow(ApplicationFailure.newNonRetryableFailure("disk full", "TestFailure")).when(activities));
        MigrateDiskRequest rolledBack = new MigrateDiskRequest("vm4", "vda", "/new/vm4-vda.img");
        assertThrows(WorkflowFailedException.class, () -> migrateDisk("migrate-vm4-vda").migrate(rolledBack));
        record(into + ROLLED_BACK, "migrate-vm4-vda");
    }

    private MigrateDiskWorkflow migrateDisk(String workflowId) {
        return client.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE)
                .build());
    }

    private void record(String resource, String workflowId) throws IOException {
        WorkflowExecutionHistory history = client.fetchHistory(workflowId);
        // A signal that arrives while a workflow task completes fails that task as UNHANDLED_COMMAND, and the
        // next one handles it: normal for a fleet. Any other failed workflow task is a bug not to record.
        assertEquals(List.of(), history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                .map(e -> e.getWorkflowTaskFailedEventAttributes().getCause())
                .filter(cause -> cause != WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND)
                .toList(), workflowId + "'s failed workflow tasks");
        Histories.record(resource, history);
    }
}
