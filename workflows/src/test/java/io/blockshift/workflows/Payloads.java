package io.blockshift.workflows;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.List;
import java.util.Map;

/**
 * The largest payload in a history, as a real server judges it against its blob size limit: each
 * {@code Payloads} (the arguments or result of one call) and each {@code Payload} outside one
 * (a memo field, a header).
 */
final class Payloads {

    record Largest(long bytes, String where) {
    }

    private Payloads() {
    }

    static Largest largest(History history) {
        return largest(history, 1);
    }

    /** The largest payload of the events from {@code fromEventId} on. */
    static Largest largest(History history, long fromEventId) {
        Largest largest = new Largest(0, "none");
        for (HistoryEvent event : history.getEventsList()) {
            if (event.getEventId() < fromEventId) {
                continue;
            }
            String where = "event " + event.getEventId() + " " + event.getEventType().name().replace("EVENT_TYPE_", "");
            largest = larger(largest, walk(event, where));
        }
        return largest;
    }

    private static Largest walk(Message message, String where) {
        if (message instanceof io.temporal.api.common.v1.Payloads || message instanceof Payload) {
            return new Largest(message.getSerializedSize(), where);
        }
        Largest largest = new Largest(0, where);
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            List<?> values = field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
            for (Object value : values) {
                largest = larger(largest, walk((Message) value, where));
            }
        }
        return largest;
    }

    private static Largest larger(Largest a, Largest b) {
        return b.bytes() > a.bytes() ? b : a;
    }
}
