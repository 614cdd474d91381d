package io.blockshift.worker.metrics;

import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.common.interceptors.ActivityExecutionContextBase;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.failure.CanceledFailure;
import java.time.Duration;
import java.util.Arrays;

/**
 * Times each step and reads its heartbeats on their way to the server: a clone's progress becomes
 * bytes cloned and the durable offset, a block job's becomes bytes remaining. The steps themselves
 * know nothing of metrics.
 */
final class StepMetricsInterceptor extends ActivityInboundCallsInterceptorBase {

    private final MigrationMeters meters;
    /** This execution, as the key of its entries in the summed gauges. */
    private final Object execution = new Object();
    private String type;
    private volatile String cloner;
    /** Guarded by this: heartbeats come from the step's thread and from its keep-alive thread. */
    private long lastBytesDone;

    StepMetricsInterceptor(ActivityInboundCallsInterceptor next, MigrationMeters meters) {
        super(next);
        this.meters = meters;
    }

    @Override
    public void init(ActivityExecutionContext context) {
        type = context.getInfo().getActivityType();
        if (MigrationActivities.CLONE_BASE.equals(type)) {
            // A retried clone resumes where its last attempt's heartbeat said: those bytes were counted then.
            lastBytesDone = context.getHeartbeatDetails(StepProgress.class).map(StepProgress::bytesDone).orElse(0L);
        }
        super.init(new ActivityExecutionContextBase(context) {
            @Override
            public <V> void heartbeat(V details) {
                observe(details);
                super.heartbeat(details);
            }
        });
    }

    @Override
    public ActivityOutput execute(ActivityInput input) {
        cloner = Arrays.stream(input.getArguments()).filter(MigrationPlan.class::isInstance)
                .map(plan -> ((MigrationPlan) plan).cloner()).findFirst().orElse(null);
        long start = System.nanoTime();
        String how = "completed";
        try {
            return super.execute(input);
        } catch (CanceledFailure | ActivityCanceledException canceled) {
            how = "canceled";
            throw canceled;
        } catch (RuntimeException | Error failed) {
            how = "failed";
            throw failed;
        } finally {
            meters.stepEnded(type, how, Duration.ofNanos(System.nanoTime() - start));
            meters.blockJobRemaining(type, execution, null);
            meters.durableOffset(execution, null);
        }
    }

    private synchronized void observe(Object details) {
        if (!(details instanceof StepProgress progress)) {
            return;
        }
        if (MigrationActivities.CLONE_BASE.equals(type)) {
            meters.cloned(cloner, progress.bytesDone() - lastBytesDone);
            lastBytesDone = Math.max(lastBytesDone, progress.bytesDone());
            meters.durableOffset(execution, progress.resumeOffset());
        } else {
            meters.blockJobRemaining(type, execution, Math.max(0, progress.bytesTotal() - progress.bytesDone()));
        }
    }
}
