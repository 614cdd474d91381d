package io.blockshift.activities.migration;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.libvirt.Guest;
import org.libvirt.LibvirtException;

/**
 * Which way a domain's disk moves, by the domain's state: live (snapshot and block jobs) when it
 * runs or is paused, which QEMU's block jobs do not mind; by copy and a define when it is shut off;
 * not at all in a state between the two, refused naming what to do.
 */
public final class DomainStates {

    private DomainStates() {
    }

    /** Whether {@code guest} is shut off and moves by copy; false when it moves live. Refuses the rest. */
    public static boolean movesCold(Guest guest) throws LibvirtException {
        String name = guest.name();
        switch (guest.state()) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_PAUSED:
                return false;
            case VIR_DOMAIN_SHUTOFF:
                break;
            case VIR_DOMAIN_SHUTDOWN:
                throw refuse("domain " + name + " is shutting down; wait until 'virsh domstate " + name
                        + "' says shut off (or running again), then start the migration again");
            case VIR_DOMAIN_CRASHED:
                throw refuse("domain " + name + " has crashed and QEMU may still hold its disks; 'virsh destroy "
                        + name + "' (it is then shut off) or start it again, then start the migration again");
            case VIR_DOMAIN_PMSUSPENDED:
                throw refuse("domain " + name + " is suspended by its guest (pmsuspended), which keeps its state in"
                        + " QEMU; wake it with 'virsh dompmwakeup " + name + "' or shut it down, then start again");
            default:
                throw refuse("domain " + name + " is in no state libvirt can name ('virsh domstate " + name
                        + "'); run or shut it off, then start the migration again");
        }
        if (!guest.isPersistent()) {
            throw refuse("domain " + name + " is not running and has no persistent definition to move onto the"
                    + " target; define it ('virsh define') or start it, then start the migration again");
        }
        if (guest.hasManagedSave()) {
            throw refuse("domain " + name + " has a managed save image, which resumes it on the disks it had; start"
                    + " it ('virsh start " + name + "') and move it running, or drop the image with 'virsh"
                    + " managedsave-remove " + name + "', then start the migration again");
        }
        return true;
    }
}
