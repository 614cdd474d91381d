package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.common.converter.DefaultDataConverter;
import org.junit.jupiter.api.Test;

/** Values the server takes: it terminates a workflow that upserts one over 2048 bytes as JSON. */
class SearchAttributesTest {

    @Test
    void aValueWithinTheServersLimitIsKeptAsItIs() {
        String path = "/" + "a".repeat(2044); // 2047 bytes as JSON
        assertEquals(path, SearchAttributes.keywordValue(path));
        assertEquals("/var/lib/libvirt/images/vm1-vda.img", SearchAttributes.keywordValue("/var/lib/libvirt/images/vm1-vda.img"));
    }

    @Test
    void aLongerValueIsCutToAsMuchOfItsStartAsFitsAndThreeDots() {
        String path = "/" + "a".repeat(2046); // 2049 bytes as JSON
        String kept = SearchAttributes.keywordValue(path);

        assertEquals(path.substring(0, 2043) + "...", kept); // 2048 bytes as JSON
    }

    @Test
    void aLongValueOfEscapedOrMultiByteCharactersIsCutWithinTheLimitAndNoCharacterIsSplit() {
        for (String character : new String[] {"\n", "\u0001", "\"", "\u00e9", "\u20ac", "\uD83D\uDCBE"}) {
            String value = character.repeat(2100); // over 2048 bytes as JSON, each
            String kept = SearchAttributes.keywordValue(value);

            int jsonBytes = DefaultDataConverter.STANDARD_INSTANCE.toPayload(kept).orElseThrow().getData().size();
            assertTrue(jsonBytes <= 2048, () -> "'" + character + "' x 2100 is " + jsonBytes + " bytes as JSON when cut");
            assertTrue(kept.endsWith("...") && kept.length() > 300, kept);
            assertTrue(kept.substring(0, kept.length() - 3).codePoints().allMatch(c -> c == value.codePointAt(0)),
                    "no character split");
        }
    }
}
