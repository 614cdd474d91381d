package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.Guest;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.libvirt.LibvirtException;

/** The guard every deletion of a migration passes: never an image its domain still uses. */
public final class ImagesInUse {

    private ImagesInUse() {
    }

    /**
     * Fails for good, before anything is deleted, when the domain (live or persistent) uses any of
     * {@code paths} as a disk's source or backing file.
     */
    public static void refuseDeleting(Guest guest, String... paths) throws LibvirtException {
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
    }
}
