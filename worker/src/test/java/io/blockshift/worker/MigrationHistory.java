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

    /** The name the Java SDK gives the marker that records a local activity. */
    static final String LOCAL_ACTIVITY_MARKER = "LocalActivity";

    private final WorkflowClient client;
    private final List<HistoryEvent> events;

    private MigrationHistory(WorkflowClient client, List<HistoryEvent> events) {
        this.client = client;
        this.events = events;
    }

    static MigrationHistory of(WorkflowClient client, String workflowId) {
        return new MigrationHistory(client, client.fetchHistory(workflowId).getEvents());
    }

    /**
     * The activity types run, in order: those scheduled and the local ones (a LocalActivity marker
     * each); a retry is not scheduled again, a compensation is.
     */
    List<String> scheduledActivities() {
        return events.stream()
                .map(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                        ? e.getActivityTaskScheduledEventAttributes().getActivityType().getName()
                        : localActivityType(e))
                .filter(type -> type != null)
                .toList();
    }

    /** The activity types run as local activities, in order. */
    List<String> localActivities() {
        return events.stream().map(this::localActivityType).filter(type -> type != null).toList();
    }

    /** The steps that completed: ordinary activities' completions and local activities' markers without a failure. */
    long completedSteps() {
        return count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) + events.stream()
                .filter(e -> localActivityType(e) != null && !e.getMarkerRecordedEventAttributes().hasFailure())
                .count();
    }

    private String localActivityType(HistoryEvent e) {
        if (e.getEventType() != EventType.EVENT_TYPE_MARKER_RECORDED
                || !e.getMarkerRecordedEventAttributes().getMarkerName().equals(LOCAL_ACTIVITY_MARKER)) {
            return null;
        }
        Payloads type = e.getMarkerRecordedEventAttributes().getDetailsOrThrow("type");
        return client.getOptions().getDataConverter().fromPayloads(0, Optional.of(type), String.class, String.class);
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

    /** What {@code activityType} returned, as the history holds it (in its completion, or its local marker). */
    <T> T result(String activityType, Class<T> type) {
        List<HistoryEvent> local = events.stream().filter(e -> activityType.equals(localActivityType(e))).toList();
        if (local.size() == 1) {
            Payloads payloads = local.get(0).getMarkerRecordedEventAttributes().getDetailsOrThrow("result");
            return client.getOptions().getDataConverter().fromPayloads(0, Optional.of(payloads), type, type);
        }
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
