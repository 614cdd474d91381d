package io.blockshift.client.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A history's payloads as the audit reads them: as JSON to show (the input and result of each
 * step, as recorded), and as the workflows' own types to reason about, read with the Jackson
 * mapper Temporal's default data converter reads them with. A field the workflows rename then
 * fails to read here (or reads as missing, and the audit's tests on recorded histories fail)
 * instead of being looked up by its old name.
 */
final class PayloadReader {

    /** The mapper of Temporal's default {@code JacksonJsonPayloadConverter}, as the workers use it. */
    private static final ObjectMapper SDK = JacksonJsonPayloadConverter.newDefaultObjectMapper();

    private PayloadReader() {
    }

    /** One payload of several as JSON: blockshift's inputs and results are all plain JSON. */
    static JsonNode json(Payloads payloads, int which) {
        return payloads.getPayloadsCount() <= which ? null : json(payloads.getPayloads(which));
    }

    static JsonNode json(Payload payload) {
        String encoding = payload.getMetadataOrDefault("encoding", ByteString.EMPTY).toString(StandardCharsets.UTF_8);
        if (!encoding.startsWith("json")) {
            return encoding.equals("binary/null") ? null : SDK.getNodeFactory().textNode("(" + encoding + " payload)");
        }
        try {
            return SDK.readTree(payload.getData().toStringUtf8());
        } catch (IOException e) {
            return SDK.getNodeFactory().textNode(payload.getData().toStringUtf8());
        }
    }

    /** {@code json} as the workflows' {@code type}, or null for no payload. */
    static <T> T as(JsonNode json, Class<T> type) {
        return read(json, SDK.getTypeFactory().constructType(type));
    }

    /** {@code json} as the workflows' {@code type}, or null for no payload. */
    static <T> T as(JsonNode json, TypeReference<T> type) {
        return read(json, SDK.getTypeFactory().constructType(type));
    }

    private static <T> T read(JsonNode json, JavaType type) {
        if (json == null || json.isNull() || json.isMissingNode()) {
            return null;
        }
        try {
            return SDK.readerFor(type).readValue(json);
        } catch (IOException e) {
            throw new IllegalStateException("the audit cannot read a " + type.getRawClass().getSimpleName()
                    + " out of " + json + ": " + e.getMessage(), e);
        }
    }

    /** {@code value} as JSON, as Temporal's default converter writes it (for what a history carries packed). */
    static JsonNode json(Object value) {
        return SDK.valueToTree(value);
    }
}
