package io.blockshift.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** The lookups {@code MigrateFleet} needs; they run on the host the disks are on. */
@ActivityInterface
public interface FleetActivities {

    // The activity types the history records, named once so that the audit reads them from here.
    String EXPAND = "Expand";
    String RESOLVE_DISKS = "ResolveDisks";
    String CLOSED_CHILDREN = "ClosedChildren";

    /**
     * Every file-backed disk (device disk, type file; with its backing chain, moved with chain copy) of the running domains the
     * selector matches whose source lies under {@code sourceUnder}, as one {@code MigrateDisk} input each.
     */
    @ActivityMethod(name = EXPAND)
    List<MigrateDiskRequest> expand(FleetSelector selector);

    /**
     * For each request, in order: the domain's UUID, the disk's target dev and its source's size, or
     * why it is refused (no such domain or disk). Never fails for one unknown disk.
     */
    @ActivityMethod(name = RESOLVE_DISKS)
    List<ResolvedDisk> resolveDisks(List<MigrateDiskRequest> requests);

    /**
     * Which of these children have closed, with the outcome the fleet counts for each (see
     * {@link ClosedChildren}); running ones are left out. Asks the Temporal server, not libvirt.
     */
    @ActivityMethod(name = CLOSED_CHILDREN)
    List<DiskOutcome> closedChildren(List<ChildExecution> children);
}
