package io.blockshift.activities.migration;

import io.blockshift.activities.files.QemuImg;
import io.blockshift.activities.libvirt.HostDomains;
import io.blockshift.workflows.MigrationPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.libvirt.LibvirtException;

/** What a file at the plan's A' is: whether it is this migration's, and so whether a step may remove it. */
final class TopImage {

    private TopImage() {
    }

    /** Whether A' is a qcow2 whose backing file is A, as the snapshot makes it (and a commit back leaves it). */
    static boolean isOverlayOfSource(MigrationPlan plan) throws IOException, InterruptedException {
        Path top = Path.of(plan.top());
        return Files.isRegularFile(top, LinkOption.NOFOLLOW_LINKS) && plan.source().equals(QemuImg.backingFile(top));
    }

    /**
     * Whether A' is what a snapshot libvirt did not finish leaves: an overlay of A that holds
     * nothing of its own and that no domain on {@code host} uses. Anything else there is not ours
     * to delete.
     */
    static boolean isUnfinishedSnapshotOfSource(MigrationPlan plan, HostDomains host)
            throws IOException, InterruptedException, LibvirtException {
        return isOverlayOfSource(plan) && !QemuImg.hasDataOfItsOwn(Path.of(plan.top()))
                && host.using(plan.top()).isEmpty();
    }
}
