package io.blockshift.cloners;

/**
 * Tells the {@link CloneListener} how far a clone is: at once when more of the target becomes
 * durable, and otherwise at least every {@link #TICK_NANOS} with the last durable offset again, so
 * that a listener that throws to cancel is heard within a fraction of a second.
 */
final class Progress {

    static final long TICK_NANOS = 250_000_000L;

    private final CloneListener listener;
    private final long total;
    private long durableOffset;
    private long done;
    private long lastCall = System.nanoTime();

    Progress(CloneListener listener, long durableOffset, long total) {
        this.listener = listener;
        this.durableOffset = durableOffset;
        this.total = total;
    }

    /** Counts bytes handled (copied, or read and found to be zeros). */
    void advance(long bytes) {
        done += bytes;
    }

    /** Everything below {@code offset} is now on stable storage. */
    void durable(long offset) {
        durableOffset = offset;
        call();
    }

    /** Calls the listener if it has not heard from us for a tick. */
    void tick() {
        if (System.nanoTime() - lastCall >= TICK_NANOS) {
            call();
        }
    }

    long done() {
        return done;
    }

    private void call() {
        lastCall = System.nanoTime();
        listener.durable(durableOffset, done, total);
    }
}
