package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrationPlan;
import org.libvirt.LibvirtException;

/** Which of the plan's images the guest's disk runs on now, which tells each step what is already done. */
public final class Layers {

    private Layers() {
    }

    /** Which of the plan's images the guest's disk runs on now. */
    public static Layer of(Guest guest, MigrationPlan plan) throws LibvirtException {
        String source = guest.liveDisk(plan.diskTarget()).source();
        if (plan.source().equals(source)) {
            return Layer.SOURCE;
        } else if (plan.top().equals(source)) {
            return Layer.TOP;
        } else if (plan.overlay().equals(source)) {
            return Layer.OVERLAY;
        } else if (plan.target().equals(source)) {
            return Layer.TARGET;
        }
        return Layer.OTHER;
    }

    /** Fails for good unless the disk runs on the layer {@code action} starts from. */
    public static void require(Layer actual, Layer expected, MigrationPlan plan, String action) {
        if (actual != expected) {
            throw Failures.nonRetryable("cannot " + action + ": disk " + plan.diskTarget() + " of "
                    + plan.domainName() + " runs on its " + actual.name().toLowerCase() + " layer, not its "
                    + expected.name().toLowerCase() + " layer; something else changed the disk during the migration",
                    StepFailureType.UNEXPECTED_LAYER);
        }
    }
}
