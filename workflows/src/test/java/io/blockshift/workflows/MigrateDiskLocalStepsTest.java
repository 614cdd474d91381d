package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short host-only steps (snapshot, overlay, active layer, clean-up) run as local activities, recorded as markers in the workflow task that
 * ran them, when the workflow's own queue is where its steps go; otherwise they stay ordinary
 * activities on the host's queue.
 */
class MigrateDiskLocalStepsTest extends MigrateDiskTestBase {

    @Test
    void onItsOwnQueueTheShortStepsAreLocalActivitiesAndTheCopyAndBlockJobsAreNot() {
        migrate();

        WorkflowExecutionHistory history = client.fetchHistory(WORKFLOW_ID);
        assertEquals(List.of(MigrationActivities.SNAPSHOT, MigrationActivities.CREATE_OVERLAY,
                MigrationActivities.CLEANUP), localActivityTypes(history));
        assertEquals(List.of(MigrationActivities.PREFLIGHT, MigrationActivities.CLONE_BASE,
                MigrationActivities.MIRROR_TO_OVERLAY, MigrationActivities.COMMIT_OVERLAY), scheduledActivityTypes(history));
        verifyCalls(Call.HAPPY_PATH);
    }

    @Test
    void onTheHostsQueueTheShortStepsAreLocalToo() {
        MigrateDiskRequest request = Fixtures.request();
        request.host = OTHER_HOST;
        workflowOn(MigrateDiskWorkflow.hostTaskQueue(OTHER_HOST), "migrate-on-host").migrate(request);

        assertEquals(3, localActivityTypes(client.fetchHistory("migrate-on-host")).size());
    }

    @Test
    void aWorkflowWhoseHostIsNotItsQueueKeepsOrdinaryActivitiesOnTheHostsQueue() {
        MigrateDiskRequest request = Fixtures.request();
        request.host = OTHER_HOST;
        newWorkflow().migrate(request);

        WorkflowExecutionHistory history = client.fetchHistory(WORKFLOW_ID);
        assertEquals(List.of(), localActivityTypes(history));
        assertEquals(7, scheduledActivityTypes(history).size(), scheduledActivityTypes(history)::toString);
        assertTrue(history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .allMatch(e -> e.getActivityTaskScheduledEventAttributes().getTaskQueue().getName()
                        .equals(MigrateDiskWorkflow.hostTaskQueue(OTHER_HOST))), "every step on the host's queue");
    }

    @Test
    void theLocalPathTakesFewerWorkflowTasks() {
        migrate();
        long local = workflowTasksCompleted(client.fetchHistory(WORKFLOW_ID));
        MigrateDiskRequest request = Fixtures.request();
        request.host = OTHER_HOST;
        workflowOn(MigrateDiskWorkflow.TASK_QUEUE, "migrate-remote").migrate(request);
        long remote = workflowTasksCompleted(client.fetchHistory("migrate-remote"));

        // Remote: one task to start and one after each of the seven activities. Local: snapshot,
        // overlay and clean-up ride in the tasks that follow preflight, the clone and the commit.
        assertEquals(8, remote);
        assertEquals(5, local, () -> local + " workflow tasks with local steps, " + remote + " without");
    }

    @Test
    void aLocalStepTakesItsTimeOnTheWorkflowsClockSoTheResultSaysHowLongItRan() {
        Call.SNAPSHOT.on(org.mockito.Mockito.doAnswer(invocation -> {
            Thread.sleep(300);
            return null;
        }).when(activities));

        MigrateDiskResult result = migrate();

        assertTrue(result.stepMillis().get("snapshot") >= 300, result.stepMillis()::toString);
    }

    private MigrateDiskWorkflow workflowOn(String taskQueue, String workflowId) {
        return client.newWorkflowStub(MigrateDiskWorkflow.class,
                WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(taskQueue).build());
    }

    /** The activity type of each local-activity marker, in order. */
    static List<String> localActivityTypes(WorkflowExecutionHistory history) {
        return history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
                .map(HistoryEvent::getMarkerRecordedEventAttributes)
                .filter(m -> m.getMarkerName().equals("LocalActivity"))
                .map(m -> DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(0,
                        java.util.Optional.of(m.getDetailsOrThrow("type")), String.class, String.class))
                .toList();
    }

    static List<String> scheduledActivityTypes(WorkflowExecutionHistory history) {
        return history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
                .toList();
    }

    static long workflowTasksCompleted(WorkflowExecutionHistory history) {
        return history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).count();
    }
}
