package io.blockshift.worker;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.migration.LibvirtMigrationActivities;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests on real parts: a Temporal CLI dev server of their own (SQLite in a scratch
 * directory), and libvirtd + QEMU on this machine (qemu:///system, as root).
 */
abstract class LibvirtTemporalTest {

    static DevServer temporal;
    static WorkflowClient client;
    @AutoClose
    static LibvirtConnections libvirt;
    @AutoClose
    private static TestTemporalServer server;

    @BeforeAll
    static void startTemporalAndLibvirt() throws Exception {
        server = TestTemporalServer.start(TestVm.PREFIX + "temporal-");
        temporal = server.server();
        client = server.client();
        libvirt = new LibvirtConnections();
    }

    /** The real activities, ready for hooks, writing only under {@code roots}. */
    static HookedActivities activities(Path... roots) {
        return new HookedActivities(new LibvirtMigrationActivities(libvirt, new StorageRoots(List.of(roots)),
                Cloners.discover()));
    }

    /** Runs one MigrateDisk on a worker of its own with {@code activities}, and returns its result. */
    static MigrateDiskResult migrate(HookedActivities activities, MigrateDiskRequest request) {
        try (Run run = start(activities, request)) {
            return run.workflow.migrate(request);
        }
    }

    /** Starts a worker with {@code activities} and a stub for one MigrateDisk on its task queue. */
    static Run start(HookedActivities activities, MigrateDiskRequest request) {
        String queue = TestVm.PREFIX + UUID.randomUUID();
        BlockshiftWorker worker = BlockshiftWorker.start(client, queue, activities, null, "test worker");
        return new Run(worker, workflow(queue), queue);
    }

    /** A stub for one MigrateDisk on {@code queue}, with the queue's name as its workflow id. */
    static MigrateDiskWorkflow workflow(String queue) {
        return client.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(queue)
                .setWorkflowId(queue)
                .setWorkflowExecutionTimeout(Duration.ofMinutes(5))
                .build());
    }

    static MigrateDiskRequest request(TestVm vm, Path target) {
        MigrateDiskRequest request = new MigrateDiskRequest(vm.name, "vda", target.toString());
        request.connectUri = TestVm.URI;
        return request;
    }

    record Run(BlockshiftWorker worker, MigrateDiskWorkflow workflow, String workflowId) implements AutoCloseable {
        @Override
        public void close() {
            worker.close();
        }
    }
}
