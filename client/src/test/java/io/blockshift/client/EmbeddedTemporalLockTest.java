package io.blockshift.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two embedded dev servers never share one SQLite file. */
class EmbeddedTemporalLockTest {

    @TempDir
    Path home;

    @Test
    void aSecondEmbeddedServerIsRefusedWhileTheFirstHoldsTheStateAndAllowedAfterIt() throws IOException {
        Path lockFile = home.resolve("blockshift").resolve("embedded.db.lock");
        FileLock first = EmbeddedTemporal.lockDatabase(lockFile);

        IOException refused = assertThrows(IOException.class, () -> EmbeddedTemporal.lockDatabase(lockFile));
        assertTrue(refused.getMessage().contains("another blockshift command (a migrate or demo in another terminal)"
                + " runs an embedded Temporal server"), refused.getMessage());
        assertTrue(refused.getMessage().contains("run 'blockshift server' and 'blockshift worker' once"), refused.getMessage());

        first.channel().close();
        EmbeddedTemporal.lockDatabase(lockFile).channel().close();
        assertEquals(0, Files.size(lockFile), "the lock file is only a lock: nothing is written to it");
    }
}
