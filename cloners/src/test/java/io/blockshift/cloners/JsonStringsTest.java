package io.blockshift.cloners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonStringsTest {

    @Test
    void parsesAnArrayOfStringsWithEscapes() {
        assertEquals(List.of("cp", "a \"b\"", "c\\d", "é/\n"),
                JsonStrings.parse(" [ \"cp\" , \"a \\\"b\\\"\", \"c\\\\d\", \"\\u00e9\\/\\n\" ] "));
        assertEquals(List.of(), JsonStrings.parse("[]"));
    }

    @Test
    void rejectsWhatIsNotAnArrayOfStrings() {
        for (String bad : new String[] {"", "cp a b", "[\"cp\",]", "[\"cp\" 1]", "[1]", "[\"cp\"] x", "[\"unterminated]"}) {
            assertThrows(IllegalArgumentException.class, () -> JsonStrings.parse(bad), bad);
        }
    }
}
