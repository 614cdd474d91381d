package io.blockshift.activities.fleet;

/**
 * What a fleet's lookups ask of the host's storage: whether the fleet's target directory and each
 * disk's target may be written, and how large a source is. A local worker answers from the files
 * it sees ({@link LocalFleetStorage}); an agentless one from the host's libvirt storage pools.
 */
public interface FleetStorage {

    /**
     * Refuses (a non-retryable failure naming the fix) a selector's {@code targetDir} no disk's
     * target could be written in, so that the fleet stops before any disk moves.
     */
    void refuseTargetDir(String targetDir);

    /** Why {@code target} could not be written, as {@code MigrateDisk}'s preflight would say; null if it could. */
    String whyNotWritable(String target);

    /** The size in bytes of the image a disk's {@code source} names; 0 when it cannot be told. */
    long sourceSize(String source);
}
