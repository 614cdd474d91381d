package io.blockshift.workflows;

/**
 * What {@link FleetActivities#resolveDisks} found for one requested migration.
 *
 * @param domainUuid the domain's UUID, or null when refused
 * @param domainName the domain's name, or null when refused
 * @param diskTarget the disk's target dev ({@code vda}), or null when refused
 * @param source the disk's current source, or null when refused
 * @param sourceSize the source's size in bytes
 * @param refused why this disk cannot be migrated (no such domain or disk), or null
 */
public record ResolvedDisk(String domainUuid, String domainName, String diskTarget, String source, long sourceSize,
        String refused) {

    public static ResolvedDisk refusal(String why) {
        return new ResolvedDisk(null, null, null, null, 0, why);
    }
}
