package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The histories recorded under {@code src/test/resources/histories}: read from the test classpath,
 * replayed against today's workflows, and recorded into the source tree (run from the module).
 */
final class Histories {

    /** Where they lie, on the classpath and under {@code src/test/resources}. */
    static final String ROOT = "histories";

    private Histories() {
    }

    /** The history recorded as {@code resource}, such as {@code histories/migrate-fleet.json}. */
    static String read(String resource) throws IOException {
        try (InputStream in = Histories.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, resource + " is on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Replays {@code resource} against {@code workflows}, once it is shown to be the history the
     * test means: one holding every one of {@code marks} (event types, activity types, signal names).
     */
    static void replay(String resource, String what, List<String> marks, Class<?> workflow, Class<?>... more)
            throws Exception {
        String history = read(resource);
        assertTrue(marks.stream().allMatch(history::contains), resource + " is " + what + ": it holds " + marks);

        WorkflowReplayer.replayWorkflowExecution(history, workflow, more);
    }

    /** The directory {@code resource} names, on the test classpath. */
    static Path directory(String resource) throws URISyntaxException {
        URL url = Histories.class.getClassLoader().getResource(resource);
        assertTrue(url != null, resource + " is on the test classpath");
        return Path.of(url.toURI());
    }

    /** Every history under {@code resource} (a directory), as a path relative to it, sorted. */
    static List<String> under(String resource) throws IOException, URISyntaxException {
        Path root = directory(resource);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".json")).map(f -> root.relativize(f).toString()).sorted().toList();
        }
    }

    /** The events of {@code resource}. */
    static List<HistoryEvent> events(String resource) throws IOException {
        return WorkflowExecutionHistory.fromJson(read(resource)).getEvents();
    }

    /** The {@code Workflow.getVersion} markers in {@code resource}: change ID to the version recorded. */
    static Map<String, Integer> versionMarkers(String resource) throws IOException {
        DataConverter json = DefaultDataConverter.STANDARD_INSTANCE;
        Map<String, Integer> versions = new TreeMap<>();
        events(resource).stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
                .map(HistoryEvent::getMarkerRecordedEventAttributes)
                .filter(m -> m.getMarkerName().equals("Version"))
                .forEach(m -> versions.put(
                        json.fromPayloads(0, Optional.of(m.getDetailsOrThrow("changeId")), String.class, String.class),
                        json.fromPayloads(0, Optional.of(m.getDetailsOrThrow("version")), Integer.class, Integer.class)));
        return versions;
    }

    /** The types of the activities {@code resource} scheduled. */
    static Set<String> activityTypes(String resource) throws IOException {
        Set<String> types = new TreeSet<>();
        events(resource).stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .forEach(e -> types.add(e.getActivityTaskScheduledEventAttributes().getActivityType().getName()));
        return types;
    }

    /** Writes {@code history} as {@code resource} into the source tree; never over a recorded one. */
    static void record(String resource, WorkflowExecutionHistory history) throws IOException {
        write(resource, history, StandardOpenOption.CREATE_NEW);
    }

    /** Writes {@code history} as {@code resource} into the source tree, over the one recorded before. */
    static void rerecord(String resource, WorkflowExecutionHistory history) throws IOException {
        write(resource, history);
    }

    private static void write(String resource, WorkflowExecutionHistory history, OpenOption... options) throws IOException {
        Path file = Path.of("src/test/resources", resource);
        Files.createDirectories(file.getParent());
        Files.writeString(file, history.toJson(true) + "\n", StandardCharsets.UTF_8, options);
    }
}
