package io.blockshift.activities.agentless;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.migration.BlockJobSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.libvirt.LibvirtException;

/** Deletes a migration's volumes through libvirt, never one its domain still uses. */
final class UnusedVolumes {

    private UnusedVolumes() {
    }

    /**
     * Deletes the volumes at {@code paths} (each pool refreshed first, so an overlay libvirt's
     * snapshot made is seen), refusing all of them when the domain, live or persistent, uses any.
     *
     * @return the paths that were volumes and were deleted
     */
    static List<String> delete(Guest guest, PlanVolumes volumes, String... paths) throws LibvirtException {
        Set<String> inUse = Stream.concat(guest.liveDisks().stream(), guest.persistentDisks().stream())
                .flatMap(d -> Stream.of(d.source(), d.backingFile()))
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        for (String path : paths) {
            if (inUse.contains(path)) {
                throw Failures.nonRetryable("refusing to delete " + path + ": domain " + guest.name()
                        + " still uses it", StepFailureType.IN_USE);
            }
        }
        List<String> deleted = new ArrayList<>();
        for (String path : paths) {
            BlockJobSteps.heartbeat(); // deleting a big file can take seconds
            Optional<StorageVolume> volume = volumes.volume(path, true);
            if (volume.isPresent()) {
                volume.get().delete();
                deleted.add(path);
            }
        }
        return deleted;
    }
}
