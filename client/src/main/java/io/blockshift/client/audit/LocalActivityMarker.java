package io.blockshift.client.audit;

import static io.blockshift.client.audit.PayloadReader.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import java.time.Instant;

/**
 * One local activity as its marker records it: the Java SDK (1.38, {@code LocalActivityStateMachine})
 * writes a MarkerRecorded event named {@code LocalActivity} whose details hold JSON payloads under
 * {@code type} (the activity type), {@code input}, {@code result} (absent for a void step or a failure),
 * {@code time} (the workflow's clock when the step ended, in epoch ms: the clock at its start plus how
 * long it ran) and {@code meta} ({@code atpt}: the attempt, {@code firstSkd}: when it was first scheduled); a failure is the
 * marker's {@code failure}, "Local Activity task failed" around the step's own failure as its cause.
 *
 * @param finished the workflow's clock when the step ended
 * @param failure the step's own failure, or null
 */
record LocalActivityMarker(String activityType, JsonNode input, JsonNode result, Failure failure, Instant finished,
        int attempt) {

    static final String MARKER_NAME = "LocalActivity";

    /** The local activity {@code marker} records, or null for any other marker (a version's, say). */
    static LocalActivityMarker of(MarkerRecordedEventAttributes marker) {
        if (!marker.getMarkerName().equals(MARKER_NAME) || !marker.containsDetails("type")) {
            return null;
        }
        JsonNode time = detail(marker, "time");
        JsonNode meta = detail(marker, "meta");
        Failure failure = null;
        if (marker.hasFailure()) {
            Failure wrapper = marker.getFailure();
            failure = wrapper.hasActivityFailureInfo() && wrapper.hasCause() ? wrapper.getCause() : wrapper;
        }
        return new LocalActivityMarker(detail(marker, "type").asText(), detail(marker, "input"),
                detail(marker, "result"), failure,
                time == null ? null : Instant.ofEpochMilli(time.asLong()),
                meta == null ? 1 : meta.path("atpt").asInt(1));
    }

    private static JsonNode detail(MarkerRecordedEventAttributes marker, String key) {
        Payloads payloads = marker.getDetailsOrDefault(key, null);
        return payloads == null ? null : json(payloads, 0);
    }
}
