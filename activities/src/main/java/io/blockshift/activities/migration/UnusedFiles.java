package io.blockshift.activities.migration;

import io.blockshift.activities.libvirt.Guest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.LibvirtException;

/** Deletes a migration's files, never one its domain still uses. */
final class UnusedFiles {

    private UnusedFiles() {
    }

    /**
     * Deletes {@code paths}, refusing all of them when the domain (live or persistent) still uses
     * any.
     *
     * @return the ones that existed and were deleted
     */
    static List<String> delete(Guest guest, String... paths) throws IOException, LibvirtException {
        ImagesInUse.refuseDeleting(guest, paths);
        List<String> deleted = new ArrayList<>();
        for (String path : paths) {
            Heartbeat.now(); // unlinking a big file can take seconds
            if (Files.deleteIfExists(Path.of(path))) {
                deleted.add(path);
            }
        }
        return deleted;
    }
}
