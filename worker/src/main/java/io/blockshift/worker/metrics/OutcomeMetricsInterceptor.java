package io.blockshift.worker.metrics;

import io.blockshift.workflows.Outcome;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.workflow.Workflow;

/**
 * Counts a migration's end when its workflow sets {@link SearchAttributes#OUTCOME}: the one place
 * a migration says how it ended, in the same words the audit and {@code list} read. Not while
 * replaying: that end was counted when it happened.
 */
final class OutcomeMetricsInterceptor extends WorkflowInboundCallsInterceptorBase {

    private final MigrationMeters meters;

    OutcomeMetricsInterceptor(WorkflowInboundCallsInterceptor next, MigrationMeters meters) {
        super(next);
        this.meters = meters;
    }

    @Override
    public void init(WorkflowOutboundCallsInterceptor outbound) {
        super.init(new WorkflowOutboundCallsInterceptorBase(outbound) {
            @Override
            public void upsertTypedSearchAttributes(SearchAttributeUpdate<?>... updates) {
                super.upsertTypedSearchAttributes(updates);
                if (Workflow.isReplaying()) {
                    return;
                }
                for (SearchAttributeUpdate<?> update : updates) {
                    if (update.getKey().equals(SearchAttributes.OUTCOME)) {
                        update.getValue().map(value -> Outcome.of(String.valueOf(value))).ifPresent(meters::migrationEnded);
                    }
                }
            }
        });
    }
}
