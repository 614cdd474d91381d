package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.worker.metrics.WorkerMetrics;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A worker's {@code /metrics}, scraped by a real Prometheus while a real migration runs: the series
 * are read back through Prometheus's HTTP API, and every query of the Grafana dashboard in the
 * repository runs there and names only series that exist.
 */
class MetricsOnPrometheusTest extends LibvirtTemporalTest {

    private static final Path DASHBOARD = Path.of("..", "dashboards", "blockshift.json");
    private static final Duration SCRAPED = Duration.ofSeconds(30);

    @Test
    void aMigrationIsCountedTimedAndItsClonedBytesReadBackThroughPrometheus() throws Exception {
        try (WorkerMetrics metrics = WorkerMetrics.serve(new InetSocketAddress("127.0.0.1", 0));
                TestPrometheus prometheus = TestPrometheus.scraping("127.0.0.1:" + metrics.port());
                TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            WorkflowClient measured = TemporalConnection.connect(temporal.target(), TemporalConnection.DEFAULT_NAMESPACE,
                    metrics.sdkScope());
            MigrateDiskResult result;
            String queue = TestVm.PREFIX + UUID.randomUUID();
            try (BlockshiftWorker worker = BlockshiftWorker.start(measured, queue, null,
                    new StorageRoots(List.of(vm.dst)), metrics)) {
                result = measured.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(queue).setWorkflowId(queue).setWorkflowExecutionTimeout(Duration.ofMinutes(2)).build())
                        .migrate(request(vm, vm.target()));
            } finally {
                measured.getWorkflowServiceStubs().shutdownNow();
            }

            assertEquals(1, prometheus.awaitValue("blockshift_migrations_total{outcome=\"done\"} > 0", SCRAPED));
            assertEquals(0, prometheus.awaitValue("sum(blockshift_migrations_total{outcome!=\"done\"})", SCRAPED));
            for (String step : List.of(MigrationActivities.PREFLIGHT, MigrationActivities.SNAPSHOT,
                    MigrationActivities.CLONE_BASE, MigrationActivities.MIRROR_TO_OVERLAY,
                    MigrationActivities.COMMIT_OVERLAY, MigrationActivities.CLEANUP)) {
                assertEquals(1, prometheus.awaitValue("blockshift_step_duration_seconds_count{step=\"" + step
                        + "\",outcome=\"completed\"}", SCRAPED), step + " ran once and was timed");
            }
            double cloned = prometheus.awaitValue("blockshift_cloned_bytes_total{cloner=\"" + result.cloner() + "\"}", SCRAPED);
            assertTrue(cloned > 0 && cloned <= 16 << 20, "the bytes of A the clone went through (" + cloned
                    + "), by the cloner that ran (" + result.cloner() + "), at most A's size");
            assertEquals(0, prometheus.awaitValue("sum(blockshift_block_jobs_running)", SCRAPED), "no job left running");
            assertTrue(prometheus.awaitValue("sum(temporal_workflow_completed_total)", SCRAPED) >= 1,
                    "the SDK's own metrics are there too");
            assertEquals(0, prometheus.awaitValue("sum(blockshift_fleet_disks)", SCRAPED), "no fleet runs");

            for (String query : dashboardQueries()) {
                prometheus.query(query); // Prometheus accepts it
                for (String series : seriesNamedIn(query)) {
                    assertTrue(prometheus.awaitValue("count({__name__=\"" + series + "\"})", SCRAPED) > 0,
                            "the dashboard's query " + query + " names " + series + ", which the worker serves");
                }
            }
        }
    }

    private static List<String> dashboardQueries() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<String> queries = new java.util.ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
        assertTrue(queries.size() >= 8, "the dashboard has its panels");
        return queries;
    }

    private static Set<String> seriesNamedIn(String query) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("\\b(?:blockshift|temporal)_[a-z_]+").matcher(query);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }
}
