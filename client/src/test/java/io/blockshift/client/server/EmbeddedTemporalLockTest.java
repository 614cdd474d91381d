package io.blockshift.client.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two embedded dev servers never share one SQLite file, whether in this process or in two. */
class EmbeddedTemporalLockTest {

    @TempDir
    Path home;

    @Test
    void aSecondEmbeddedServerIsRefusedWhileTheFirstHoldsTheStateAndAllowedAfterIt() throws IOException {
        Path lockFile = home.resolve("blockshift").resolve("embedded.db.lock");
        FileLock first = EmbeddedTemporal.lockDatabase(lockFile);

        assertRefused(assertThrows(IOException.class, () -> EmbeddedTemporal.lockDatabase(lockFile)));

        first.channel().close();
        EmbeddedTemporal.lockDatabase(lockFile).channel().close();
        assertEquals(0, Files.size(lockFile), "the lock file is only a lock: nothing is written to it");
    }

    @Test
    void anotherProcessHoldingTheStateRefusesThisOneUntilItEnds() throws Exception {
        Path lockFile = home.resolve("blockshift").resolve("embedded.db.lock");
        Process other = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldLock.class.getName(), lockFile.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), "the other process took the lock");

            assertRefused(assertThrows(IOException.class, () -> EmbeddedTemporal.lockDatabase(lockFile)));
        } finally {
            other.destroy();
            other.waitFor();
        }
        EmbeddedTemporal.lockDatabase(lockFile).channel().close();
    }

    private static void assertRefused(IOException refused) {
        assertTrue(refused.getMessage().contains("another blockshift command (a migrate or demo in another terminal)"
                + " runs an embedded Temporal server"), refused.getMessage());
        assertTrue(refused.getMessage().contains("run 'blockshift server' and 'blockshift worker' once"), refused.getMessage());
    }

    /** The other process: takes the lock, says so, and holds it until it is ended. */
    public static final class HoldLock {
        public static void main(String[] args) throws Exception {
            EmbeddedTemporal.lockDatabase(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
