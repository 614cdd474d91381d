package io.blockshift.activities.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandTest {

    @Test
    void aProgramThatOutlivesItsTimeoutIsKilledAndReportedWithinTheTimeout() {
        // An unusual duration, so that the check below finds this sleep and no other.
        List<String> sleep = List.of("sleep", "37.25");
        long start = System.nanoTime();

        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IOException.class, () -> Command.run(sleep, Duration.ofSeconds(1))));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(e.getMessage().contains("sleep 37.25 did not finish within PT1S; it was killed"), e.getMessage());
        assertTrue(millis < 2_500, "reported after " + millis + " ms");
        assertEquals(List.of(), ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("37.25")).orElse(false))
                .toList(), "the sleep is gone");
    }

    @Test
    void returnsAllAProgramPrintsEvenBeyondAPipesBuffer() throws Exception {
        // 1 MiB on stdout and dd's figures on stderr: more than a pipe holds while nobody reads it.
        String out = Command.run(List.of("dd", "if=/dev/zero", "bs=1M", "count=1"), Duration.ofSeconds(30));

        assertEquals(1 << 20, out.length());
    }

    @Test
    void aProgramThatFailsIsReportedWithItsExitCodeAndWhatItSaidOnStderr() {
        IOException e = assertThrows(IOException.class, () -> Command.run(
                List.of("ls", "/nonexistent-bs-test-path"), Duration.ofSeconds(30)));

        assertTrue(e.getMessage().startsWith("ls /nonexistent-bs-test-path failed (exit 2): "), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }
}
