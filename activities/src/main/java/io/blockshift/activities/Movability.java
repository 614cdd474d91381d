package io.blockshift.activities;

import io.blockshift.activities.libvirt.Disk;
import org.libvirt.LibvirtException;

/**
 * The one rule for which disks blockshift moves: a file-backed {@code disk} device with no block
 * job (and, unless the caller moves chains, no backing chain: preflight and the fleet selector do,
 * and preflight judges the chain itself). Preflight refuses the others with these messages; the
 * fleet selector leaves them out.
 */
public final class Movability {

    /** Whether a block job runs on a disk now. */
    public interface JobProbe {
        boolean running(Disk disk) throws LibvirtException;
    }

    /**
     * For the fleet selector: it picks disks by what they are, and does not ask about jobs, which
     * come and go; each disk's own preflight asks when its turn comes.
     */
    public static final JobProbe JOBS_NOT_ASKED = disk -> false;

    private Movability() {
    }

    /**
     * Why blockshift cannot move {@code disk} of the domain {@code domain}, naming the fix; null
     * when it can.
     */
    public static String whyNot(String domain, Disk disk, JobProbe jobs) throws LibvirtException {
        return whyNot(domain, disk, jobs, false);
    }

    /**
     * As {@link #whyNot(String, Disk, JobProbe)}; with {@code chainsMove}, a backing chain is no
     * reason (preflight then judges the chain itself, by the request's {@code chain}).
     */
    public static String whyNot(String domain, Disk disk, JobProbe jobs, boolean chainsMove) throws LibvirtException {
        String what = "disk " + disk.target() + " of " + domain;
        if (!"disk".equals(disk.device())) {
            return what + " is a " + disk.device() + ", not a disk: blockshift moves disks only";
        }
        if (!disk.isFile() || disk.source() == null) {
            return what + " is a " + disk.type() + " disk (" + disk.source()
                    + "): blockshift moves file-backed disks only; move block and network disks with your storage's tools";
        }
        if (jobs.running(disk)) {
            return what + " already has a block job running; wait for it to finish or end it with 'virsh blockjob "
                    + domain + " " + disk.target() + " --abort'";
        }
        if (disk.hasBackingFile() && !chainsMove) {
            return what + " has a backing chain (" + disk.source() + " <- " + disk.backingFile()
                    + "): blockshift moves single-image disks; flatten it first with 'virsh blockpull "
                    + domain + " " + disk.target() + " --wait'";
        }
        return null;
    }
}
