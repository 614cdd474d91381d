package io.blockshift.workflows;

/**
 * The one rule for a request's {@code host}: a null or blank host names none, and the migration
 * runs on the workflow's own task queue.
 */
public final class Hosts {

    /**
     * What stands for the workflow's own task queue where a host's name would: in a fleet child's
     * workflow ID and in {@link SearchAttributes#HOST}.
     */
    public static final String LOCAL = "local";

    private Hosts() {
    }

    /** Whether {@code host} names a host: not null and not blank. */
    public static boolean isNamed(String host) {
        return host != null && !host.isBlank();
    }

    /** {@code host}, or {@link #LOCAL} when it names none. */
    public static String orLocal(String host) {
        return isNamed(host) ? host : LOCAL;
    }
}
