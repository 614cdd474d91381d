package io.blockshift.worker;

import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.Optional;

/**
 * A finished workflow's history as the server recorded it, read back the way an auditor would:
 * which activities ran, how often, and what each one returned, decoded with the client's
 * DataConverter.
 */
final class MigrationHistory {

    private final WorkflowClient client;
    private final List<HistoryEvent> events;

    private MigrationHistory(WorkflowClient client, List<HistoryEvent> events) {
        this.client = client;
        this.events = events;
    }

    static MigrationHistory of(WorkflowClient client, String workflowId) {
        return new MigrationHistory(client, client.fetchHistory(workflowId).getEvents());
    }

    /** The activity types scheduled, in order; a retry is not scheduled again, a compensation is. */
    List<String> scheduledActivities() {
        return events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
                .toList();
    }

    long count(EventType type) {
        return events.stream().filter(e -> e.getEventType() == type).count();
    }

    /** The start of the attempt that ended {@code activityType}: its attempt number and the last attempt's failure. */
    ActivityTaskStartedEventAttributes started(String activityType) {
        long scheduled = scheduledId(activityType);
        return events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .map(HistoryEvent::getActivityTaskStartedEventAttributes)
                .filter(a -> a.getScheduledEventId() == scheduled)
                .findFirst().orElseThrow(() -> new AssertionError(activityType + " never started"));
    }

    /** What {@code activityType} returned, as the history holds it. */
    <T> T result(String activityType, Class<T> type) {
        long scheduled = scheduledId(activityType);
        Payloads payloads = events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
                .map(HistoryEvent::getActivityTaskCompletedEventAttributes)
                .filter(a -> a.getScheduledEventId() == scheduled)
                .findFirst().orElseThrow(() -> new AssertionError(activityType + " never completed"))
                .getResult();
        return client.getOptions().getDataConverter().fromPayloads(0, Optional.of(payloads), type, type);
    }

    private long scheduledId(String activityType) {
        List<Long> ids = events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .filter(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals(activityType))
                .map(HistoryEvent::getEventId)
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError(activityType + " was scheduled " + ids.size() + " times, not once");
        }
        return ids.get(0);
    }
}
