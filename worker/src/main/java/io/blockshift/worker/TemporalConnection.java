package io.blockshift.worker;

import com.uber.m3.tally.Scope;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Connects to a Temporal frontend. */
public final class TemporalConnection {

    public static final String DEFAULT_TARGET = "localhost:7233";
    public static final String DEFAULT_NAMESPACE = "default";

    private TemporalConnection() {
    }

    public static WorkflowClient connect(String target, String namespace) {
        return connect(target, namespace, null);
    }

    /** A client whose SDK reports its metrics to {@code metrics} (null: nowhere). */
    public static WorkflowClient connect(String target, String namespace, Scope metrics) {
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(target);
        if (metrics != null) {
            options.setMetricsScope(metrics);
        }
        WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(options.build());
        return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    /** Whether a Temporal frontend answers at {@code target} within {@code timeout}. */
    public static boolean answers(String target, Duration timeout) {
        WorkflowServiceStubs service = null;
        try {
            service = WorkflowServiceStubs.newConnectedServiceStubs(
                    WorkflowServiceStubsOptions.newBuilder().setTarget(target).build(), timeout);
            service.blockingStub().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
            return true;
        } catch (RuntimeException e) {
            return false;
        } finally {
            if (service != null) {
                service.shutdownNow();
            }
        }
    }
}
