package io.blockshift.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

    private static final long MS = 1_000_000L;
    private static final long MIB = 1L << 20;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long now;

    private ProgressDisplay display(boolean terminal) {
        return new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal, () -> now);
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void plainLinesSayStepBytesPercentRateAndEta() {
        assertEquals("clone 512 MiB / 1024 MiB 50% 210 MiB/s eta 2.4s",
                ProgressDisplay.progressLine("clone", 512 * MIB, 1024 * MIB, 210 * MIB));
        assertEquals("mirror 3 MiB / 3 MiB 100%", ProgressDisplay.progressLine("mirror", 3 * MIB, 3 * MIB, 0));
    }

    @Test
    void plainOutputPrintsEachStepAndAtMostOneProgressLineASecond() {
        ProgressDisplay display = display(false);
        display.step("preflight");
        display.step("preflight");
        display.step("clone");
        for (int i = 0; i <= 20; i++) {
            now = i * 250 * MS;
            display.bytes("clone", i * 50 * MIB, 1000 * MIB);
        }
        display.step("mirror");

        List<String> lines = lines();
        assertEquals("preflight", lines.get(0));
        assertEquals("clone", lines.get(1));
        assertEquals("mirror", lines.get(lines.size() - 1));
        List<String> progress = lines.subList(2, lines.size() - 1);
        // 5 s of updates four times a second: one line a second.
        assertEquals(5, progress.size(), progress.toString());
        assertEquals("clone 1000 MiB / 1000 MiB 100% 200 MiB/s", progress.get(4));
        assertTrue(progress.get(0).matches("clone 200 MiB / 1000 MiB 20% 200 MiB/s eta 4.0s"), progress.get(0));
    }

    @Test
    void aTerminalGetsOneRedrawnLineWithABar() {
        ProgressDisplay display = display(true);
        now = 0;
        display.bytes("clone", 0, 100 * MIB);
        now = 1000 * MS;
        display.bytes("clone", 50 * MIB, 100 * MIB);
        display.note("a note");
        display.finish();

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\rclone    [############------------] 50 MiB / 100 MiB 50% 50 MiB/s eta 1.0s\033[K"), text);
        assertTrue(text.contains("a note\n"), text);
        assertTrue(text.endsWith("\r\033[K"), text);
        assertEquals(1, text.chars().filter(c -> c == '\n').count(), "only the note ends a line: " + text);
    }

    @Test
    void bytesAndDurationsForPeople() {
        assertEquals("4 KiB", ProgressDisplay.bytes(4000));
        assertEquals("1536 MiB", ProgressDisplay.bytes(1536 * MIB));
        assertEquals("200.0 GiB", ProgressDisplay.bytes(200L << 30));
        assertEquals("850ms", ProgressDisplay.duration(850));
        assertEquals("3.2s", ProgressDisplay.duration(3210));
        assertEquals("4m05s", ProgressDisplay.duration(245_000));
        assertEquals("2h10m", ProgressDisplay.duration(7_800_000));
    }
}
