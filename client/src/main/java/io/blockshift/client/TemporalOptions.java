package io.blockshift.client;

import io.blockshift.worker.TemporalConnection;
import io.blockshift.workflows.MigrateDiskWorkflow;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the Temporal server is, for {@code migrate} and {@code worker}. */
final class TemporalOptions {

    @Option(names = "--temporal", paramLabel = "HOST:PORT", defaultValue = TemporalConnection.DEFAULT_TARGET,
            description = "Temporal frontend (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = TemporalConnection.DEFAULT_NAMESPACE,
            description = "Temporal namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--task-queue", paramLabel = "QUEUE", defaultValue = MigrateDiskWorkflow.TASK_QUEUE,
            description = "Task queue the workers poll (default: ${DEFAULT-VALUE}).")
    String taskQueue;

    /** A client of the server at {@link #address}, if one answers within {@code timeout}. */
    Optional<TemporalClient> connectIfAnswers(Duration timeout) {
        return TemporalClient.connectIfAnswers(address, namespace, timeout);
    }

    /** The command that starts a worker for this server, namespace and queue. */
    String workerCommand() {
        return "blockshift worker --temporal " + address + " --namespace " + namespace + " --task-queue " + taskQueue;
    }
}
