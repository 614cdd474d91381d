package io.blockshift.activities.migration;

import io.blockshift.activities.libvirt.Guest;
import io.blockshift.workflows.MigrationPlan;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.LibvirtException;

/** Step 6's removal of snapshot metadata that still names A' or B', images the migration deletes. */
public final class StaleSnapshotMetadata {

    private StaleSnapshotMetadata() {
    }

    /** Removes (metadata only) every snapshot of the domain that mentions the plan's A' or B'; returns their names. */
    public static List<String> remove(Guest guest, MigrationPlan plan) throws LibvirtException {
        List<String> removed = new ArrayList<>();
        for (String path : List.of(plan.top(), plan.overlay())) {
            for (String snapshot : guest.snapshotsMentioning(path)) {
                Heartbeat.now();
                guest.deleteSnapshotMetadata(snapshot);
                removed.add(snapshot);
            }
        }
        return removed;
    }
}
