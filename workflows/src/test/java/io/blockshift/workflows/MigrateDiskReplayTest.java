package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowFailedException;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Replays histories recorded from earlier runs against today's {@link MigrateDiskWorkflowImpl}: a
 * failure here means the change would break every migration in flight when the worker is upgraded.
 *
 * <p>The histories under {@code src/test/resources/histories/} were recorded by
 * {@link #recordHistories()} from real runs in the in-memory test service. To re-record them:
 * <pre>
 * ./mvnw -o -B install -pl workflows -Dtest='MigrateDiskReplayTest#recordHistories' -Dblockshift.recordHistories=true
 * </pre>
 * (run from the repository root; it writes the files in the source tree, and the replay tests read
 * them from the classpath of the next build).
 * Re-recording is only right when a change breaks determinism on purpose and guards it with
 * {@code Workflow.getVersion}; then keep the old files too (renamed), so both branches stay tested.
 * Never re-record to make a failing replay pass.
 */
class MigrateDiskReplayTest extends MigrateDiskTestBase {

    static final String HAPPY_PATH = "histories/migrate-disk-happy-path.json";
    static final String ROLLED_BACK = "histories/migrate-disk-rolled-back-at-mirror.json";

    @Test
    void replaysRecordedHappyPathHistory() throws Exception {
        String history = resource(HAPPY_PATH);
        assertTrue(history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"), "a completed run");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateDiskWorkflowImpl.class);
    }

    @Test
    void replaysRecordedRolledBackHistory() throws Exception {
        String history = resource(ROLLED_BACK);
        assertTrue(history.contains("AbortMirror") && history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_FAILED"),
                "a run rolled back at the mirror");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateDiskWorkflowImpl.class);
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordHistories() throws IOException {
        migrate();
        record(HAPPY_PATH);

        env.close();
        startEnvironment();
        failOn(Call.MIRROR, "disk full");
        assertThrows(WorkflowFailedException.class, this::migrate);
        record(ROLLED_BACK);
    }

    private void record(String resource) throws IOException {
        Path file = Path.of("src/test/resources", resource);
        Files.createDirectories(file.getParent());
        Files.writeString(file, client.fetchHistory(WORKFLOW_ID).toJson(true) + "\n");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MigrateDiskReplayTest.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, name + " is on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
