package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowFailedException;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
 * and add those to {@link #recordedHistories()}, so every earlier branch stays tested. Never re-record to make
 * a failing replay pass.
 */
class MigrateDiskReplayTest extends MigrateDiskTestBase {

    /** What {@link #recordHistories()} records with today's build. */
    static final String HAPPY_PATH = "histories/migrate-disk-happy-path-search-attributes.json";
    static final String ROLLED_BACK = "histories/migrate-disk-rolled-back-at-mirror-search-attributes.json";

    static final List<String> COMPLETED = List.of("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED");
    static final List<String> ROLLED_BACK_AT_MIRROR = List.of(MigrationActivities.ABORT_MIRROR,
            "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED");

    static Stream<Arguments> recordedHistories() {
        return Stream.of(
                arguments("histories/migrate-disk-happy-path.json", "a completed run", COMPLETED),
                arguments("histories/builds/b356c55/migrate-disk-completed.json", "a completed run", COMPLETED),
                arguments(HAPPY_PATH, "a completed run", COMPLETED),
                arguments("histories/migrate-disk-rolled-back-at-mirror.json", "a run rolled back at the mirror",
                        ROLLED_BACK_AT_MIRROR),
                arguments("histories/builds/b356c55/migrate-disk-rolled-back-at-mirror.json",
                        "a run rolled back at the mirror", ROLLED_BACK_AT_MIRROR),
                arguments(ROLLED_BACK, "a run rolled back at the mirror", ROLLED_BACK_AT_MIRROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedHistories")
    void replaysOnTodaysMigrateDisk(String resource, String what, List<String> marks) throws Exception {
        Histories.replay(resource, what, marks, MigrateDiskWorkflowImpl.class);
    }

    @Test
    void todaysHistoriesUpsertSearchAttributesAndTheOlderOnesDoNot() throws Exception {
        for (String resource : List.of(HAPPY_PATH, ROLLED_BACK)) {
            assertTrue(Histories.read(resource).contains("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"), resource);
        }
        for (String resource : List.of("histories/builds/b356c55/migrate-disk-completed.json",
                "histories/builds/b356c55/migrate-disk-rolled-back-at-mirror.json")) {
            assertFalse(Histories.read(resource).contains("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"), resource);
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordHistories() throws IOException {
        migrate();
        Histories.record(HAPPY_PATH, client.fetchHistory(WORKFLOW_ID));

        env.close();
        startEnvironment();
        failOn(Call.MIRROR, "disk full");
        assertThrows(WorkflowFailedException.class, this::migrate);
        Histories.record(ROLLED_BACK, client.fetchHistory(WORKFLOW_ID));
    }
}
