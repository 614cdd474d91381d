package io.blockshift.worker;

import io.blockshift.activities.agentless.AgentlessFleetStorage;
import io.blockshift.activities.agentless.AgentlessMigrationActivities;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.fleet.LibvirtFleetActivities;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.migration.LibvirtMigrationActivities;
import io.blockshift.cloners.Cloners;
import io.blockshift.worker.metrics.WorkerMetrics;
import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateDiskWorkflowImpl;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts blockshift's workflows ({@code MigrateDisk}, {@code MigrateFleet}) and activities on one
 * task queue and, with a host name, both also on {@code blockshift-host-<host>}: the queue where
 * migrations with that {@code host} send their steps, and where a fleet starts their workflows.
 * Each agentless host it serves gets such a queue too, whose steps reach that host through
 * libvirt's URI alone ({@link AgentlessMigrationActivities}).
 */
public final class BlockshiftWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BlockshiftWorker.class);

    /**
     * How often a running activity's heartbeat reaches the server at most. A cancel reaches an
     * activity only through the answer to a heartbeat, so this bounds how long a cancel takes.
     */
    static final Duration HEARTBEAT_THROTTLE = Duration.ofMillis(500);

    private final WorkerFactory factory;
    private final LibvirtConnections libvirt;
    private final RunningSteps steps;

    private BlockshiftWorker(WorkerFactory factory, LibvirtConnections libvirt, RunningSteps steps) {
        this.factory = factory;
        this.libvirt = libvirt;
        this.steps = steps;
    }

    /** Starts a worker with blockshift's own activities. */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, StorageRoots roots) {
        return start(client, taskQueue, null, roots);
    }

    /**
     * Starts a worker with blockshift's own activities; with a {@code host}, it also polls that
     * host's activity task queue.
     */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, String host, StorageRoots roots) {
        return start(client, taskQueue, host, roots, null);
    }

    /** As {@link #start(WorkflowClient, String, String, StorageRoots)}, its steps and migrations measured by {@code metrics} (may be null). */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, String host, StorageRoots roots,
            WorkerMetrics metrics) {
        return start(client, taskQueue, host, roots, metrics, Map.of());
    }

    /**
     * As {@link #start(WorkflowClient, String, String, StorageRoots, WorkerMetrics)}, also serving
     * each of {@code agentlessHosts} (host name to libvirt URI) on that host's queue, with steps that
     * reach it through libvirt alone.
     */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, String host, StorageRoots roots,
            WorkerMetrics metrics, Map<String, String> agentlessHosts) {
        LibvirtConnections libvirt = new LibvirtConnections();
        Cloners cloners = Cloners.discover();
        Map<String, HostActivities> agentless = new LinkedHashMap<>();
        agentlessHosts.forEach((name, uri) -> agentless.put(name, new HostActivities(
                new AgentlessMigrationActivities(libvirt, name, uri, roots),
                new LibvirtFleetActivities(libvirt, new AgentlessFleetStorage(libvirt, name, uri, roots.roots())))));
        return start(client, taskQueue, host, new LibvirtMigrationActivities(libvirt, roots, cloners),
                new LibvirtFleetActivities(libvirt, roots), libvirt, "storage roots " + roots + ", cloners " + cloners.names()
                        + (agentlessHosts.isEmpty() ? "" : ", agentless hosts " + agentlessHosts),
                metrics, agentless);
    }

    /** Starts a worker with the given activities (tests wrap the real ones to inject faults); no fleets. */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, MigrationActivities activities,
            LibvirtConnections libvirt, String description) {
        return start(client, taskQueue, null, activities, null, libvirt, description);
    }

    /**
     * Starts a worker with the given activities on {@code taskQueue} and, when {@code host} is given,
     * on {@code blockshift-host-<host>} too; {@code fleetActivities} may be null (no fleets then).
     */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, String host,
            MigrationActivities activities, FleetActivities fleetActivities, LibvirtConnections libvirt, String description) {
        return start(client, taskQueue, host, activities, fleetActivities, libvirt, description, null, Map.of());
    }

    private static BlockshiftWorker start(WorkflowClient client, String taskQueue, String host,
            MigrationActivities activities, FleetActivities fleetActivities, LibvirtConnections libvirt, String description,
            WorkerMetrics metrics, Map<String, HostActivities> agentless) {
        for (String name : agentless.keySet()) {
            if (!MigrateDiskRequest.validHost(name) || name.equals(host)) {
                throw new IllegalArgumentException("agentless host '" + name + "' is not a host name of its own:"
                        + " letters, digits, '.', '-' and '_' only, and not this worker's own --host");
            }
        }
        if (host != null && !MigrateDiskRequest.validHost(host)) {
            throw new IllegalArgumentException("host '" + host + "' is not a host name: letters, digits, '.', '-' and '_' only");
        }
        SearchAttributeRegistration.ensureRegistered(client);
        RunningSteps steps = new RunningSteps();
        WorkerFactoryOptions.Builder factoryOptions = WorkerFactoryOptions.newBuilder();
        if (metrics != null) {
            factoryOptions.setWorkerInterceptors(steps, metrics.interceptor());
            metrics.watchFleets(client);
        } else {
            factoryOptions.setWorkerInterceptors(steps);
        }
        WorkerFactory factory = WorkerFactory.newInstance(client, factoryOptions.build());
        WorkerOptions options = WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                .build();
        Worker worker = factory.newWorker(taskQueue, options);
        worker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class, MigrateFleetWorkflowImpl.class);
        register(worker, activities, fleetActivities);
        String hostQueue = null;
        if (host != null) {
            hostQueue = MigrateDiskWorkflow.hostTaskQueue(host);
            Worker hostWorker = factory.newWorker(hostQueue, options);
            // Migrations started on the host's own queue (as a fleet starts its children on a host)
            // run their short steps as local activities, in the workflow task, on this host.
            hostWorker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class, MigrateFleetWorkflowImpl.class);
            register(hostWorker, activities, fleetActivities);
        }
        for (Map.Entry<String, HostActivities> remote : agentless.entrySet()) {
            Worker agentlessWorker = factory.newWorker(MigrateDiskWorkflow.hostTaskQueue(remote.getKey()), options);
            agentlessWorker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class, MigrateFleetWorkflowImpl.class);
            register(agentlessWorker, remote.getValue().migration(), remote.getValue().fleet());
        }
        factory.start();
        log.info("worker polling task queue '{}'{} in namespace '{}'; {}", taskQueue,
                (hostQueue == null ? "" : " and, for host " + host + "'s migrations, '" + hostQueue + "'")
                        + agentless.keySet().stream().map(name -> " and, agentless, for host " + name + "'s, '"
                                + MigrateDiskWorkflow.hostTaskQueue(name) + "'").reduce("", String::concat),
                client.getOptions().getNamespace(), description);
        return new BlockshiftWorker(factory, libvirt, steps);
    }

    /** The steps and the fleet lookups of one agentless host, both through its libvirt alone. */
    private record HostActivities(MigrationActivities migration, FleetActivities fleet) {
    }

    private static void register(Worker worker, MigrationActivities activities, FleetActivities fleetActivities) {
        if (fleetActivities == null) {
            worker.registerActivitiesImplementations(activities);
        } else {
            worker.registerActivitiesImplementations(activities, fleetActivities);
        }
    }

    /** Blocks until the worker is shut down. */
    public void awaitTermination() {
        factory.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
    }

    /**
     * Stops polling and lets the steps in flight finish for up to {@code grace}, then stops what
     * still runs. The long steps (the copy, the block jobs) are stopped at once: their retry resumes
     * on another worker from the copy's durable offset or the block job libvirt keeps, and the
     * failure this attempt reports lets the server retry now rather than after a heartbeat timeout.
     *
     * @return whether everything in flight ended within {@code grace}
     */
    public boolean drain(Duration grace) throws InterruptedException {
        factory.shutdown();
        List<String> stopped = steps.interruptResumable();
        log.info("draining: polling stopped{}; waiting up to {} s for {}", stopped.isEmpty() ? ""
                : "; stopped " + stopped + " for another worker to resume", grace.toSeconds(),
                steps.types().isEmpty() ? "nothing" : steps.types());
        factory.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        boolean drained = factory.isTerminated();
        if (!drained) {
            log.warn("drain: {} still running after {} s; stopping them: each is retried on another worker",
                    steps.types(), grace.toSeconds());
            factory.shutdownNow();
            factory.awaitTermination(5, TimeUnit.SECONDS);
        }
        return drained;
    }

    @Override
    public void close() {
        factory.shutdown();
        factory.awaitTermination(10, TimeUnit.SECONDS);
        if (libvirt != null) {
            libvirt.close();
        }
    }
}
