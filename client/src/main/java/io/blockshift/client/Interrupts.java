package io.blockshift.client;

import java.util.ArrayDeque;
import java.util.Deque;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM, handled in Java rather than by the JVM's shutdown: a migration must
 * keep its embedded server and worker running while the workflow it cancelled rolls back, and a
 * shutdown hook cannot choose the exit status.
 *
 * <p>The innermost {@link #onInterrupt} handler hears a signal; with none registered (or before
 * {@link #install()}) the JVM exits with status 130 as usual, and shutdown hooks still run.
 */
public final class Interrupts {

    /** What a shell reports for a process ended by SIGINT. */
    public static final int EXIT_INTERRUPTED = 130;

    private static final Deque<Runnable> handlers = new ArrayDeque<>();

    private Interrupts() {
    }

    /** Routes SIGINT and SIGTERM to the registered handlers; called once by {@code main}. */
    public static void install() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> dispatch());
            } catch (IllegalArgumentException unsupported) {
                // Not on this platform (or -Xrs): the JVM's default handling stays.
            }
        }
    }

    /** Calls {@code handler} (on a signal thread) on each Ctrl-C or SIGTERM until the registration is closed. */
    public static Registration onInterrupt(Runnable handler) {
        synchronized (handlers) {
            handlers.push(handler);
        }
        return () -> {
            synchronized (handlers) {
                handlers.remove(handler);
            }
        };
    }

    /**
     * A flag raised by Ctrl-C or SIGTERM until closed, for work that checks it at its own pace;
     * {@code notice} (if not null) goes to stderr when it is first raised.
     */
    public static Flag flag(String notice) {
        return new Flag(notice);
    }

    /** What Ctrl-C does: calls the innermost handler (tests call this to stand in for the signal). */
    public static void dispatch() {
        Runnable handler;
        synchronized (handlers) {
            handler = handlers.peek();
        }
        if (handler == null) {
            System.exit(EXIT_INTERRUPTED);
        }
        handler.run();
    }

    /** See {@link #flag}. */
    public static final class Flag implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean raised = new java.util.concurrent.atomic.AtomicBoolean();
        private final Registration registration;

        private Flag(String notice) {
            registration = onInterrupt(() -> {
                if (raised.compareAndSet(false, true) && notice != null) {
                    System.err.println(notice);
                }
            });
        }

        public boolean raised() {
            return raised.get();
        }

        @Override
        public void close() {
            registration.close();
        }
    }

    /** Ends a handler's registration. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
