package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from earlier runs against today's {@link MigrateDiskWorkflowImpl}: a
 * failure here means the change would break every migration in flight when the worker is upgraded.
 *
 * <p>Each history was recorded by {@link #recordHistories()} of the build it names, from real
 * runs in the in-memory test service: {@code migrate-disk-*.json} before any version marker,
 * {@code builds/b356c55/*.json} (recorded by that commit's build) with
 * {@value MigrateDiskVersions#HOSTS_AND_FLEETS} 1 and no search attributes, {@code *-search-attributes.json} with
 * {@value MigrateDiskVersions#SEARCH_ATTRIBUTES} 1 too. To record today's (it never
 * overwrites a file):
 * <pre>
 * ./mvnw -o -B verify -pl workflows -Dtest='MigrateDiskReplayTest#recordHistories' -Dblockshift.recordHistories=true
 * </pre>
 * (run from the repository root; it writes the files in the source tree, and the replay tests read
 * them from the classpath of the next build).
 * Recording is only right when a change breaks determinism on purpose and guards it with
 * {@code Workflow.getVersion}: then point {@link #HAPPY_PATH} and {@link #ROLLED_BACK} at new names
 * and add those to the lists below, so every earlier branch stays tested. Never re-record to make
 * a failing replay pass.
 */
class MigrateDiskReplayTest extends MigrateDiskTestBase {

    /** What {@link #recordHistories()} records with today's build. */
    static final String HAPPY_PATH = "histories/migrate-disk-happy-path-search-attributes.json";
    static final String ROLLED_BACK = "histories/migrate-disk-rolled-back-at-mirror-search-attributes.json";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "histories/migrate-disk-happy-path.json",
            "histories/builds/b356c55/migrate-disk-completed.json",
            HAPPY_PATH})
    void replaysRecordedHappyPathHistory(String resource) throws Exception {
        String history = resource(resource);
        assertTrue(history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"), "a completed run");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateDiskWorkflowImpl.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "histories/migrate-disk-rolled-back-at-mirror.json",
            "histories/builds/b356c55/migrate-disk-rolled-back-at-mirror.json",
            ROLLED_BACK})
    void replaysRecordedRolledBackHistory(String resource) throws Exception {
        String history = resource(resource);
        assertTrue(history.contains("AbortMirror") && history.contains("EVENT_TYPE_WORKFLOW_EXECUTION_FAILED"),
                "a run rolled back at the mirror");

        WorkflowReplayer.replayWorkflowExecution(history, MigrateDiskWorkflowImpl.class);
    }

    @Test
    void todaysHistoriesUpsertSearchAttributesAndTheOlderOnesDoNot() throws Exception {
        for (String resource : List.of(HAPPY_PATH, ROLLED_BACK)) {
            assertTrue(resource(resource).contains("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"), resource);
        }
        for (String resource : List.of("histories/builds/b356c55/migrate-disk-completed.json",
                "histories/builds/b356c55/migrate-disk-rolled-back-at-mirror.json")) {
            assertFalse(resource(resource).contains("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"), resource);
        }
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
        Files.writeString(file, client.fetchHistory(WORKFLOW_ID).toJson(true) + "\n", StandardOpenOption.CREATE_NEW);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MigrateDiskReplayTest.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, name + " is on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
