package io.blockshift.workflows;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What keeps a fleet's lists within a real Temporal server's payload limit. The server refuses
 * any payload over 2 MB (its blob size limit): the fleet's input, the selector's expansion and
 * the state carried into continue-as-new each hold the list of disks, about 130 bytes a disk as
 * JSON with names like {@code /srv/new-storage/pool-01/web-prod-eu-west-0001-vda.qcow2}.
 *
 * <ul>
 *   <li>The input: the server judges it when the fleet starts (about 16,000 disks at such names).
 *   <li>The expansion: {@link #EXPANSION_LIMIT}; a selector that matches more is refused, naming how many fit.
 *   <li>The carried state: the disks not yet started travel gzip'd ({@link #pack}): 10,000
 *       disks take 1.3 MB as JSON and 79 KB packed (base64 in the payload), so any list that
 *       could start also continues.
 * </ul>
 */
public final class FleetPayloads {

    /** A Temporal server's default blob size limit: it refuses any payload larger. */
    public static final long PAYLOAD_LIMIT = 2L << 20;
    /** The most a selector's expansion may take as JSON: the limit less room for the payload's metadata. */
    public static final long EXPANSION_LIMIT = PAYLOAD_LIMIT - (64L << 10);

    private static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();

    private FleetPayloads() {
    }

    /** How many bytes {@code value} takes as JSON, as Temporal's default converter writes it. */
    public static long jsonBytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value).length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Why a selector's expansion to {@code disks} cannot travel in one payload, naming how many
     * disks fit and the fix; null when it can.
     */
    public static String expansionTooLarge(List<MigrateDiskRequest> disks) {
        long bytes = jsonBytes(disks);
        if (bytes <= EXPANSION_LIMIT) {
            return null;
        }
        return "the selector matches " + disks.size() + " disks, " + bytes + " bytes as JSON: more than one Temporal "
                + "payload may hold (" + PAYLOAD_LIMIT + " bytes); with names like these about "
                + (EXPANSION_LIMIT * disks.size() / bytes) + " disks fit. Narrow 'select.domains' or "
                + "'select.sourceUnder' and start one fleet for each part";
    }

    /** {@code value} as gzip'd JSON. Deterministic: the same value always packs to the same bytes on one JVM. */
    static byte[] pack(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            JSON.writeValue(gzip, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T unpack(byte[] packed, TypeReference<T> type) {
        try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(packed))) {
            return JSON.readValue(gzip, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
