package io.blockshift.worker.metrics;

import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * blockshift's own series, named once. Every label has a small, fixed set of values (an outcome, an
 * activity type, a cloner's name): never a workflow ID, a domain or a path, which would make one
 * series per migration. What is per migration is summed over the migrations running on this worker.
 */
public final class MigrationMeters {

    /** Migrations that ended on this worker, by {@link Outcome}. */
    public static final String MIGRATIONS = "blockshift.migrations";
    /** Each step's (activity's) duration, by activity type and how it ended. */
    public static final String STEP_DURATION = "blockshift.step.duration";
    /**
     * Bytes of A the clone step has gone through, by cloner, as its progress says: what a copying
     * cloner wrote, what a reflink shared without writing (its data extents).
     */
    public static final String CLONED_BYTES = "blockshift.cloned.bytes";
    /** Bytes the running block jobs (mirror, commit) still have to copy, summed, by step. */
    public static final String BLOCK_JOB_REMAINING = "blockshift.block.job.remaining.bytes";
    /** Block jobs (mirror, commit) this worker is waiting on, by step. */
    public static final String BLOCK_JOBS_RUNNING = "blockshift.block.jobs.running";
    /** The durable copy offset (where a retried clone resumes), summed over the running clones. */
    public static final String CLONE_DURABLE_OFFSET = "blockshift.clone.durable.offset.bytes";
    /** Disks of the namespace's running fleets, by state. */
    public static final String FLEET_DISKS = "blockshift.fleet.disks";

    /** The steps whose heartbeats carry a block job's figures. */
    static final String[] BLOCK_JOB_STEPS = {MigrationActivities.MIRROR_TO_OVERLAY, MigrationActivities.COMMIT_OVERLAY};

    private final MeterRegistry registry;
    private final Map<String, Map<Object, Long>> remainingByStep = new ConcurrentHashMap<>();
    private final Map<Object, Long> durableOffsets = new ConcurrentHashMap<>();

    public MigrationMeters(MeterRegistry registry) {
        this.registry = registry;
        for (Outcome outcome : Outcome.values()) {
            // Every outcome from the start, so that rate() and increase() see the first one.
            migrations(outcome);
        }
        for (String step : BLOCK_JOB_STEPS) {
            Map<Object, Long> remaining = remainingByStep.computeIfAbsent(step, s -> new ConcurrentHashMap<>());
            Gauge.builder(BLOCK_JOB_REMAINING, remaining, MigrationMeters::sum).tag("step", step)
                    .baseUnit("bytes").register(registry);
            Gauge.builder(BLOCK_JOBS_RUNNING, remaining, Map::size).tag("step", step).register(registry);
        }
        Gauge.builder(CLONE_DURABLE_OFFSET, durableOffsets, MigrationMeters::sum).baseUnit("bytes").register(registry);
    }

    MeterRegistry registry() {
        return registry;
    }

    void migrationEnded(Outcome outcome) {
        migrations(outcome).increment();
    }

    void stepEnded(String activityType, String how, Duration took) {
        Timer.builder(STEP_DURATION).tag("step", activityType).tag("outcome", how)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(12))
                .register(registry).record(took);
    }

    void cloned(String cloner, long bytes) {
        if (bytes > 0) {
            Counter.builder(CLONED_BYTES).tag("cloner", cloner == null ? "unknown" : cloner).baseUnit("bytes")
                    .register(registry).increment(bytes);
        }
    }

    /** {@code job} (one running step) has {@code bytes} left; null when it has ended. */
    void blockJobRemaining(String step, Object job, Long bytes) {
        put(remainingByStep.get(step), job, bytes);
    }

    /** {@code clone} (one running step) would resume from {@code offset}; null when it has ended. */
    void durableOffset(Object clone, Long offset) {
        put(durableOffsets, clone, offset);
    }

    private Counter migrations(Outcome outcome) {
        return Counter.builder(MIGRATIONS).tag("outcome", outcome.wire()).register(registry);
    }

    private static void put(Map<Object, Long> values, Object key, Long value) {
        if (values == null) {
            return;
        }
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    private static double sum(Map<Object, Long> values) {
        return values.values().stream().mapToLong(Long::longValue).sum();
    }
}
