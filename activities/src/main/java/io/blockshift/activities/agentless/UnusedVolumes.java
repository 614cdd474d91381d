package io.blockshift.activities.agentless;

import io.blockshift.activities.libvirt.Guest;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.activities.migration.Heartbeat;
import io.blockshift.activities.migration.ImagesInUse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
        ImagesInUse.refuseDeleting(guest, paths);
        List<String> deleted = new ArrayList<>();
        for (String path : paths) {
            Heartbeat.now(); // deleting a big file can take seconds
            Optional<StorageVolume> volume = volumes.volume(path, true);
            if (volume.isPresent()) {
                volume.get().delete();
                deleted.add(path);
            }
        }
        return deleted;
    }
}
