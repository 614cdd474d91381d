package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dev servers blockshift starts run with the settings of dev-server.settings. */
class DevServerSettingsTest {

    @Test
    void everyLineIsAnOptionAndItsValueAndCommentsAreLeftOut() throws Exception {
        List<String> arguments = DevServerSettings.arguments();

        assertEquals(0, arguments.size() % 2, arguments.toString());
        for (int i = 0; i < arguments.size(); i += 2) {
            assertTrue(arguments.get(i).startsWith("--"), "an option first: " + arguments);
            assertTrue(!arguments.get(i + 1).startsWith("#"), "no comment as a value: " + arguments);
        }
        assertTrue(arguments.contains("history.transferProcessorMaxPollRPS=1000"), arguments.toString());
    }

    @Test
    void aServerBlockshiftStartsKeepsItsDatabaseInWriteAheadLogMode() throws Exception {
        try (TestTemporalServer server = TestTemporalServer.start(TestVm.PREFIX + "settings-")) {
            server.client().getWorkflowServiceStubs().healthCheck();

            assertTrue(Files.exists(server.dir().resolve("temporal.db-wal")), "SQLite's write-ahead log beside the database");
        }
    }
}
