package io.blockshift.activities.libvirt;

/**
 * A block job as libvirt reports it.
 *
 * @param type libvirt's job type: 2 copy, 3 commit, 4 active commit
 * @param cur bytes done
 * @param end bytes to do; grows while the guest writes. Never a sign of readiness: an empty job
 *     reports cur == end before it is ready.
 */
public record BlockJob(int type, long cur, long end) {

    public static final int COPY = 2;
    public static final int COMMIT = 3;
    public static final int ACTIVE_COMMIT = 4;

    public String typeName() {
        return typeName(type);
    }

    /** How the reports name a job of this type: {@code copy}, {@code commit}, {@code active-commit}. */
    public static String typeName(int type) {
        return switch (type) {
            case COPY -> "copy";
            case COMMIT -> "commit";
            case ACTIVE_COMMIT -> "active-commit";
            default -> "type " + type;
        };
    }
}
