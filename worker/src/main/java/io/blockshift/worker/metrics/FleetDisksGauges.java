package io.blockshift.worker.metrics;

import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.client.WorkflowClient;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disks of the namespace's running fleets, by state, read every few seconds from each fleet's
 * own {@code progress} query (a fleet knows its pending disks, which no worker sees), on a thread
 * of its own: a scrape only reads the last figures, and never waits on the server. Every worker of
 * a namespace reports the same fleets: aggregate with {@code max}, not {@code sum}.
 */
final class FleetDisksGauges implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetDisksGauges.class);
    private static final long REFRESH_SECONDS = 5;
    private static final String RUNNING_FLEETS =
            "WorkflowType = '" + MigrateFleetWorkflow.TYPE + "' AND ExecutionStatus = 'Running'";

    /** The states a disk of a fleet is in, as the series' {@code state} label. */
    enum DiskState {
        PENDING(FleetProgress::pending), RUNNING(FleetProgress::running), DONE(FleetProgress::done),
        FAILED(FleetProgress::failed), CANCELED(FleetProgress::canceled);

        private final ToIntFunction<FleetProgress> count;

        DiskState(ToIntFunction<FleetProgress> count) {
            this.count = count;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final WorkflowClient client;
    private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "metrics-fleets");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Map<DiskState, Integer> counts = new EnumMap<>(DiskState.class);

    private FleetDisksGauges(WorkflowClient client) {
        this.client = client;
    }

    /** Registers the gauges and starts reading; {@link #close()} stops. */
    static FleetDisksGauges register(MeterRegistry registry, WorkflowClient client) {
        FleetDisksGauges gauges = new FleetDisksGauges(client);
        for (DiskState state : DiskState.values()) {
            Gauge.builder(MigrationMeters.FLEET_DISKS, gauges, g -> g.counts.getOrDefault(state, 0))
                    .tag("state", state.label())
                    .strongReference(true) // nothing else holds it: a gauge's object is weakly held otherwise
                    .register(registry);
        }
        gauges.reader.scheduleWithFixedDelay(() -> gauges.counts = gauges.read(), 0, REFRESH_SECONDS, TimeUnit.SECONDS);
        return gauges;
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }

    private Map<DiskState, Integer> read() {
        Map<DiskState, Integer> read = new EnumMap<>(DiskState.class);
        try {
            client.listExecutions(RUNNING_FLEETS).forEach(execution -> {
                String id = execution.getExecution().getWorkflowId();
                try {
                    FleetProgress progress = client.newWorkflowStub(MigrateFleetWorkflow.class, id).progress();
                    for (DiskState state : DiskState.values()) {
                        read.merge(state, state.count.applyAsInt(progress), Integer::sum);
                    }
                } catch (RuntimeException unanswered) {
                    log.debug("fleet {} did not answer its progress query: {}", id, unanswered.toString());
                }
            });
        } catch (RuntimeException unlisted) {
            log.warn("could not list the running fleets for {}: {}", MigrationMeters.FLEET_DISKS, unlisted.toString());
            return counts;
        }
        return read;
    }
}
