package io.blockshift.worker;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.workflows.MigrationActivities;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The steps running on this worker, and the threads they run on, so that a draining worker can
 * stop the long ones: each resumes on another worker from what it made durable (the copy's offset
 * in its heartbeat, the block job libvirt keeps), so waiting for them would only delay the drain.
 */
final class RunningSteps extends WorkerInterceptorBase {

    /** Steps a retry resumes where this attempt stopped, with nothing done twice. */
    static final Set<String> RESUMABLE = Set.of(
            MigrationActivities.CLONE_BASE, MigrationActivities.MIRROR_TO_OVERLAY, MigrationActivities.COMMIT_OVERLAY);

    private final Map<Thread, String> running = new ConcurrentHashMap<>();
    /** Threads this drain interrupted, guarded by {@link #running}'s lock with it. */
    private final Set<Thread> interrupted = ConcurrentHashMap.newKeySet();

    @Override
    public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
        return new ActivityInboundCallsInterceptorBase(next) {
            private String type;

            @Override
            public void init(ActivityExecutionContext context) {
                type = context.getInfo().getActivityType();
                super.init(context);
            }

            @Override
            public ActivityOutput execute(ActivityInput input) {
                Thread thread = Thread.currentThread();
                running.put(thread, type);
                try {
                    return super.execute(input);
                } catch (RuntimeException stopped) {
                    boolean ownVerdict = stopped instanceof io.temporal.failure.ApplicationFailure failure
                            && failure.isNonRetryable();
                    if (interrupted.contains(thread) && !ownVerdict) {
                        // Short and plain for the history: the step's own failure, with its causes'
                        // stack traces, can be over the server's limit and would be replaced.
                        throw Failures.retryable("stopped by its worker's drain (SIGTERM); the next attempt resumes"
                                + " on another worker from what this one made durable", StepFailureType.INTERRUPTED, null);
                    }
                    throw stopped;
                } finally {
                    synchronized (running) {
                        running.remove(thread);
                        if (interrupted.remove(thread)) {
                            // The SDK reports the step's end on this thread next, through a blocking gRPC
                            // call that an interrupt would cancel: then the server would only notice at the
                            // heartbeat timeout, and the other worker would wait that long to resume.
                            Thread.interrupted();
                        }
                    }
                }
            }
        };
    }

    /** Interrupts the resumable steps running now; returns their types. */
    List<String> interruptResumable() {
        List<String> stopped = new java.util.ArrayList<>();
        synchronized (running) {
            running.forEach((thread, type) -> {
                if (RESUMABLE.contains(type)) {
                    interrupted.add(thread);
                    thread.interrupt();
                    stopped.add(type);
                }
            });
        }
        return stopped;
    }

    /** The types of the steps still running. */
    List<String> types() {
        return List.copyOf(running.values());
    }
}
