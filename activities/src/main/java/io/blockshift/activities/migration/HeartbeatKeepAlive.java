package io.blockshift.activities.migration;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Repeats an activity's last heartbeat every {@link #EVERY_MILLIS} ms while one long call reports
 * nothing: a single FICLONE of a big fragmented image, a storage array's clone, or a pivot that
 * drains a slow disk can take longer than the step's 10 s heartbeat timeout, and Temporal would then
 * run the step again beside itself.
 * It only ever repeats what the activity last said (a durable offset never moves forward here), so a
 * retry still resumes from a true one. A cancel it hears is left for the activity's own next heartbeat.
 */
final class HeartbeatKeepAlive implements AutoCloseable {

    static final long EVERY_MILLIS = 1000;

    private final ActivityExecutionContext context;
    private final AtomicReference<Object> last;
    private final Thread thread;
    private volatile boolean closed;

    /** Starts repeating {@code first} (what a retry may resume from) until {@link #heartbeat} says more. */
    HeartbeatKeepAlive(ActivityExecutionContext context, Object first) {
        this.context = context;
        this.last = new AtomicReference<>(first);
        this.thread = new Thread(this::run, "blockshift-keep-alive");
        thread.setDaemon(true);
        thread.start();
    }

    /** Heartbeats {@code details} now (on the caller's thread, so a cancel reaches the caller) and from then on. */
    void heartbeat(Object details) {
        last.set(details);
        context.heartbeat(details);
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(EVERY_MILLIS);
                if (!closed) {
                    context.heartbeat(last.get()); // throttled by the SDK when the activity heartbeats itself
                }
            } catch (InterruptedException e) {
                return;
            } catch (ActivityCompletionException canceledOrGone) {
                return; // the activity's own heartbeat will hear it too
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
