package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.Command;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * blockshift's search attributes on a stock {@code temporal server start-dev} (no
 * {@code --search-attribute} flags): the worker adds them, and the real {@code temporal} binary
 * finds and describes migrations by them.
 */
class SearchAttributesOnLibvirtTest extends LibvirtTemporalTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Visibility is eventually consistent: how long a listing may lag behind the workflow. */
    private static final Duration VISIBILITY_LAG = Duration.ofSeconds(15);

    @Test
    void workersStartingTogetherOnAStockDevServerAddEverySearchAttributeAndALaterWorkerStartsToo() throws Exception {
        withStockDevServer((fresh, scratch) -> {
            assertEquals(Map.of(), blockshiftAttributes(fresh), "a stock dev server has none of them");
            List<BlockshiftWorker> workers = new ArrayList<>();
            ExecutorService starters = Executors.newFixedThreadPool(2);
            try {
                Callable<BlockshiftWorker> startWorker = () -> BlockshiftWorker.start(fresh, TestVm.PREFIX + "racing",
                        activities(scratch), null, "test worker");
                for (Future<BlockshiftWorker> started : starters.invokeAll(List.of(startWorker, startWorker))) {
                    workers.add(started.get());
                }
                Map<String, IndexedValueType> expected = new HashMap<>();
                SearchAttributes.registerWith(expected::put);
                assertEquals(expected, blockshiftAttributes(fresh), "all eight, as Keyword");

                workers.add(BlockshiftWorker.start(fresh, TestVm.PREFIX + "later", activities(scratch), null, "test worker"));
                assertEquals(expected, blockshiftAttributes(fresh));
            } finally {
                starters.shutdownNow();
                workers.forEach(BlockshiftWorker::close);
            }
        });
    }

    @Test
    void whenTheServerRefusesAnAttributeTheWorkerLogsOneLineSayingHowToAddThemAndRunsOn() throws Exception {
        withStockDevServer((fresh, scratch) -> {
            // The dev server's SQLite visibility has ten Keyword slots: take three, and the eighth of ours is refused.
            OperatorServiceStubs operator = operator(fresh);
            try {
                operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder()
                        .setNamespace(TemporalConnection.DEFAULT_NAMESPACE)
                        .putSearchAttributes("BsTestOther1", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                        .putSearchAttributes("BsTestOther2", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                        .putSearchAttributes("BsTestOther3", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                        .build());
            } finally {
                operator.shutdownNow();
            }
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            Logger registration = (Logger) LoggerFactory.getLogger(SearchAttributeRegistration.class);
            registration.addAppender(logged);
            logged.start();
            try (BlockshiftWorker worker = BlockshiftWorker.start(fresh, TestVm.PREFIX + "refused", activities(scratch), null,
                    "test worker")) {
                List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                        .map(ILoggingEvent::getFormattedMessage).toList();
                assertEquals(1, warnings.size(), warnings::toString);
                System.out.println(warnings.get(0));
                for (String part : List.of("could not add search attributes BlockshiftDomain, BlockshiftDisk",
                        "BlockshiftOutcome (Keyword) to namespace 'default'", "INVALID_ARGUMENT", "wait at their start",
                        "tcld namespace search-attributes add --namespace default --search-attribute BlockshiftDomain=Keyword",
                        "temporal operator search-attribute create --namespace default --name BlockshiftDomain --type Keyword"
                                + " --name BlockshiftDisk --type Keyword")) {
                    assertTrue(warnings.get(0).contains(part), () -> "'" + part + "' in " + warnings.get(0));
                }
            } finally {
                registration.detachAppender(logged);
            }
        });
    }

    @Test
    void temporalWorkflowListFindsAMigrationByDomainAndOutcomeAndDescribeShowsEveryAttribute() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32)) {
            MigrateDiskResult result;
            String workflowId;
            try (Run run = start(activities(vm.dst), request(vm, vm.target()))) {
                workflowId = run.workflowId();
                result = run.workflow().migrate(request(vm, vm.target()));
            }
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());

            JsonNode found = listed("BlockshiftDomain='" + vm.name + "' AND BlockshiftOutcome='done'");
            assertEquals(1, found.size(), found::toPrettyString);
            assertEquals(workflowId, found.get(0).path("execution").path("workflowId").asText());

            JsonNode described = JSON.readTree(temporal("workflow", "describe", "--workflow-id", workflowId, "--output", "json"));
            assertNotEquals("auto", result.cloner(), "the cloner that ran");
            assertEquals(Map.of(
                    "BlockshiftDomain", vm.name,
                    "BlockshiftDisk", "vda",
                    "BlockshiftHost", "local",
                    "BlockshiftSource", vm.vda.toString(),
                    "BlockshiftTarget", vm.target().toString(),
                    "BlockshiftCloner", result.cloner(),
                    "BlockshiftPhase", "done",
                    "BlockshiftOutcome", "done"),
                    keywords(described.path("workflowExecutionInfo").path("searchAttributes").path("indexedFields")));
        }
    }

    @Test
    void aMigrationWaitsAtItsStartChangingNothingWhileAnAttributeIsMissingAndGoesOnOnceItIsAdded() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16);
                Run run = start(activities(vm.dst), request(vm, vm.target()))) {
            removeSearchAttribute(SearchAttributes.OUTCOME.getName()); // as if the server had refused to add it

            WorkflowClient.start(run.workflow()::migrate, request(vm, vm.target()));
            HistoryEvent rejected = awaitEvent(run.workflowId(), EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);

            assertEquals(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
                    rejected.getWorkflowTaskFailedEventAttributes().getCause());
            assertTrue(rejected.getWorkflowTaskFailedEventAttributes().getFailure().getMessage().contains("BlockshiftOutcome"),
                    rejected::toString);
            assertTrue(client.fetchHistory(run.workflowId()).getEvents().stream()
                    .noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), "no step started");
            assertEquals(vm.vda.toString(), vm.liveDisk("vda").source());
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files());

            SearchAttributeRegistration.ensureRegistered(client);
            long start = System.nanoTime();
            MigrateDiskResult result = WorkflowStub.fromTyped(run.workflow()).getResult(2, TimeUnit.MINUTES, MigrateDiskResult.class);
            System.out.printf("the migration went on %d ms after the attribute was added%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
        }
    }

    @Test
    void aRequestWithATargetTooLongForASearchAttributeIsRefusedNotTerminatedByTheServer() throws Exception {
        MigrateDiskRequest request = new MigrateDiskRequest(TestVm.PREFIX + "no-such-domain", "vda",
                "/var/tmp/" + "a".repeat(3000) + ".img"); // the server terminates a workflow that upserts a search attribute over 2048 bytes
        try (Run run = start(activities(Path.of("/var/tmp")), request)) {
            WorkflowClient.start(run.workflow()::migrate, request);
            WorkflowFailedException failed = assertThrows(WorkflowFailedException.class,
                    () -> WorkflowStub.fromTyped(run.workflow()).getResult(60, TimeUnit.SECONDS, MigrateDiskResult.class));

            assertEquals("Refused", ((ApplicationFailure) failed.getCause()).getType());
            String target = client.newUntypedWorkflowStub(run.workflowId()).describe().getTypedSearchAttributes()
                    .get(SearchAttributes.TARGET);
            assertTrue(target.startsWith("/var/tmp/aaa") && target.endsWith("..."), target);
        }
    }

    /** Runs {@code test} against a dev server of its own, started without {@code --search-attribute} flags. */
    private static void withStockDevServer(StockDevServerTest test) throws Exception {
        Path scratch = Files.createTempDirectory(TestVm.PREFIX + "temporal-");
        try (DevServer server = DevServer.start(DevServer.findBinary().orElseThrow(), 0, scratch.resolve("temporal.db"), false)) {
            WorkflowClient fresh = TemporalConnection.connect(server.target(), TemporalConnection.DEFAULT_NAMESPACE);
            try {
                test.run(fresh, scratch);
            } finally {
                fresh.getWorkflowServiceStubs().shutdownNow();
            }
        } finally {
            PathUtils.deleteDirectory(scratch);
        }
    }

    interface StockDevServerTest {
        void run(WorkflowClient client, Path scratch) throws Exception;
    }

    /** blockshift's attributes among the namespace's custom search attributes, with their types. */
    private static Map<String, IndexedValueType> blockshiftAttributes(WorkflowClient on) {
        OperatorServiceStubs operator = operator(on);
        try {
            Map<String, IndexedValueType> ours = new HashMap<>(operator.blockingStub().listSearchAttributes(
                    ListSearchAttributesRequest.newBuilder().setNamespace(TemporalConnection.DEFAULT_NAMESPACE).build())
                    .getCustomAttributesMap());
            ours.keySet().removeIf(name -> !name.startsWith("Blockshift"));
            return ours;
        } finally {
            operator.shutdownNow();
        }
    }

    private static void removeSearchAttribute(String name) {
        OperatorServiceStubs operator = operator(client);
        try {
            operator.blockingStub().removeSearchAttributes(RemoveSearchAttributesRequest.newBuilder()
                    .setNamespace(TemporalConnection.DEFAULT_NAMESPACE).addSearchAttributes(name).build());
        } finally {
            operator.shutdownNow();
        }
    }

    private static OperatorServiceStubs operator(WorkflowClient on) {
        return OperatorServiceStubs.newServiceStubs(
                OperatorServiceStubsOptions.newBuilder(on.getWorkflowServiceStubs().getOptions()).build());
    }

    /** {@code temporal workflow list --query QUERY --output json}, polled until it lists something. */
    private static JsonNode listed(String query) throws Exception {
        long deadline = System.nanoTime() + VISIBILITY_LAG.toNanos();
        while (true) {
            JsonNode found = JSON.readTree(temporal("workflow", "list", "--query", query, "--output", "json"));
            if (found.size() > 0 || System.nanoTime() > deadline) {
                return found;
            }
            Thread.sleep(200);
        }
    }

    /** Runs the real {@code temporal} binary against the test server and returns what it printed. */
    private static String temporal(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(DevServer.findBinary().orElseThrow().toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--address", temporal.target()));
        return Command.run(command, Duration.ofSeconds(30));
    }

    /** blockshift's attributes among the CLI's JSON search attributes (base64 JSON payloads), decoded. */
    private static Map<String, String> keywords(JsonNode indexedFields) throws Exception {
        Map<String, String> values = new HashMap<>();
        for (var fields = indexedFields.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().startsWith("Blockshift")) {
                continue; // the server's own, such as BuildIds
            }
            byte[] json = Base64.getDecoder().decode(field.getValue().path("data").asText());
            values.put(field.getKey(), JSON.readTree(new String(json, StandardCharsets.UTF_8)).asText());
        }
        return values;
    }

    private static HistoryEvent awaitEvent(String workflowId, EventType type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (HistoryEvent event : client.fetchHistory(workflowId).getEvents()) {
                if (event.getEventType() == type) {
                    return event;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + type + " in " + workflowId + "'s history within 30 s");
    }
}
