package io.blockshift.worker.metrics;

import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;

/** Puts blockshift's meters around every step and every workflow this worker runs. */
final class MetricsInterceptor extends WorkerInterceptorBase {

    private final MigrationMeters meters;

    MetricsInterceptor(MigrationMeters meters) {
        this.meters = meters;
    }

    @Override
    public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
        return new OutcomeMetricsInterceptor(next, meters);
    }

    @Override
    public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
        return new StepMetricsInterceptor(next, meters);
    }
}
