package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.Guest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
            Heartbeat.now(); // unlinking a big file can take seconds
            if (Files.deleteIfExists(Path.of(path))) {
                deleted.add(path);
            }
        }
        return deleted;
    }
}
