package io.blockshift.cloners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClonersTest {

    @TempDir(factory = BsTestTempDir.class)
    Path dir;

    @Test
    void discoverFindsTheBuiltInClonersAndOneRegisteredByAnotherJar() {
        Cloners cloners = Cloners.discover();
        List<String> names = cloners.names();
        assertEquals("auto", names.get(0));
        assertEquals(List.of("reflink", "sparse", "plain", "command"),
                names.stream().filter(n -> !n.equals("auto") && !n.equals("test-only")).toList());
        assertTrue(cloners.knows("test-only"));
        assertTrue(cloners.all().get("test-only") instanceof TestOnlyCloner);
    }

    @Test
    void unknownClonerIsRefusedWithTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cloners.discover().choose("fast", dir.resolve("a.img"), dir));
        assertEquals("unknown cloner 'fast'; known cloners: " + String.join(", ", Cloners.discover().names()), e.getMessage());
        assertTrue(e.getMessage().contains("auto, "), e.getMessage());
    }

    @Test
    void requestedClonerThatCannotWorkHereSaysWhyAndWhichCan() throws Exception {
        Path source = Files.write(dir.resolve("a.img"), new byte[10]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cloners.discover().choose("test-only", source, dir));
        assertEquals("cloner 'test-only' cannot copy " + source + " into " + dir + ": only for tests; use --cloner "
                + (new ReflinkCloner().suitability(source, dir).suitable() ? "reflink or " : "") + "sparse or plain instead",
                e.getMessage());
    }

    @Test
    void requestedSuitableClonerSaysSo() throws Exception {
        Path source = Files.write(dir.resolve("a.img"), new byte[10]);
        assertEquals("requested: plain: copies every byte on any filesystem",
                Cloners.discover().choose("plain", source, dir).reason());
    }

    @Test
    void autoWithNothingSuitableListsEveryReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cloners.discover().choose("auto", dir.resolve("missing.img"), dir));
        assertTrue(e.getMessage().contains("reflink: source " + dir.resolve("missing.img") + " is not a regular file; sparse: "),
                e.getMessage());
    }
}
