package io.blockshift.workflows;

/**
 * The one rule for a request's {@code host}: a null or blank host names none, and the migration
 * runs on the workflow's own task queue.
 */
public final class Hosts {

    private Hosts() {
    }

    /** Whether {@code host} names a host: not null and not blank. */
    public static boolean isNamed(String host) {
        return host != null && !host.isBlank();
    }
}
