package io.blockshift.worker;

import io.blockshift.activities.LibvirtMigrationActivities;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.MigrateDiskWorkflowImpl;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hosts blockshift's workflows and activities on one task queue. */
public final class BlockshiftWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BlockshiftWorker.class);

    /**
     * How often a running activity's heartbeat reaches the server at most. A cancel reaches an
     * activity only through the answer to a heartbeat, so this bounds how long a cancel takes.
     */
    static final Duration HEARTBEAT_THROTTLE = Duration.ofMillis(500);

    private final WorkerFactory factory;
    private final LibvirtConnections libvirt;

    private BlockshiftWorker(WorkerFactory factory, LibvirtConnections libvirt) {
        this.factory = factory;
        this.libvirt = libvirt;
    }

    /** Starts a worker with blockshift's own activities. */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, StorageRoots roots) {
        LibvirtConnections libvirt = new LibvirtConnections();
        Cloners cloners = Cloners.discover();
        return start(client, taskQueue, new LibvirtMigrationActivities(libvirt, roots, cloners), libvirt,
                "storage roots " + roots + ", cloners " + cloners.names());
    }

    /** Starts a worker with the given activities (tests wrap the real ones to inject faults). */
    public static BlockshiftWorker start(WorkflowClient client, String taskQueue, MigrationActivities activities,
            LibvirtConnections libvirt, String description) {
        WorkerFactory factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(taskQueue, WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
                .build());
        worker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        worker.registerActivitiesImplementations(activities);
        factory.start();
        log.info("worker polling task queue '{}' in namespace '{}'; {}", taskQueue,
                client.getOptions().getNamespace(), description);
        return new BlockshiftWorker(factory, libvirt);
    }

    /** Blocks until the worker is shut down. */
    public void awaitTermination() {
        factory.awaitTermination(Long.MAX_VALUE, java.util.concurrent.TimeUnit.DAYS);
    }

    @Override
    public void close() {
        factory.shutdown();
        factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        if (libvirt != null) {
            libvirt.close();
        }
    }
}
