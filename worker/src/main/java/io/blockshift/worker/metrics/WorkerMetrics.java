package io.blockshift.worker.metrics;

import com.sun.net.httpserver.HttpServer;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A worker's metrics, served in Prometheus text format on {@code /metrics}: the Temporal SDK's own
 * ({@code temporal_*}, through its Micrometer reporter) and blockshift's ({@code blockshift_*},
 * {@link MigrationMeters}). The JDK's HTTP server is enough for one scrape every few seconds.
 */
public final class WorkerMetrics implements AutoCloseable {

    public static final String PATH = "/metrics";
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MigrationMeters meters = new MigrationMeters(registry);
    private final Scope sdkScope = new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
    private final HttpServer server;
    private final ExecutorService scrapes = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "metrics-http");
        thread.setDaemon(true);
        return thread;
    });
    private FleetDisksGauges fleets;

    private WorkerMetrics(HttpServer server) {
        this.server = server;
        server.setExecutor(scrapes);
    }

    /** Serves {@code /metrics} on {@code address} (port 0: any free port; see {@link #port()}). */
    public static WorkerMetrics serve(InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        WorkerMetrics metrics = new WorkerMetrics(server);
        server.createContext(PATH, exchange -> {
            try (exchange) {
                byte[] body = metrics.registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", TEXT_FORMAT);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return metrics;
    }

    /** The scope to give the SDK's service stubs ({@code WorkflowServiceStubsOptions.setMetricsScope}). */
    public Scope sdkScope() {
        return sdkScope;
    }

    /** Times the steps and counts the migrations of a worker it is given to. */
    public WorkerInterceptor interceptor() {
        return new MetricsInterceptor(meters);
    }

    /** Also reports the disks of the namespace's running fleets, read through {@code client}. */
    public synchronized void watchFleets(WorkflowClient client) {
        if (fleets == null) {
            fleets = FleetDisksGauges.register(registry, client);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** What a scrape would read now. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public synchronized void close() {
        if (fleets != null) {
            fleets.close();
        }
        server.stop(0);
        scrapes.shutdownNow();
        try {
            sdkScope.close();
        } catch (com.uber.m3.tally.ScopeCloseException unreported) {
            // Its last report is lost with the process anyway.
        }
        registry.close();
    }
}
