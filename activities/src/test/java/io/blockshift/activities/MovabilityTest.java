package io.blockshift.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.blockshift.activities.libvirt.Disk;
import org.junit.jupiter.api.Test;

class MovabilityTest {

    private static final Disk PLAIN = new Disk("vda", "file", "disk", "/a/vda.img", "raw", null, null, false);

    @Test
    void aFileBackedDiskWithNoChainAndNoJobMoves() throws Exception {
        assertNull(Movability.whyNot("vm1", PLAIN, d -> false));
    }

    @Test
    void eachKindThatCannotMoveIsNamedWithItsFix() throws Exception {
        assertEquals("disk hdc of vm1 is a cdrom, not a disk: blockshift moves disks only",
                Movability.whyNot("vm1", new Disk("hdc", "file", "cdrom", "/a/x.iso", "raw", null, null, false), d -> false));
        assertEquals("disk vdb of vm1 is a block disk (/dev/sdb): blockshift moves file-backed disks only; move block "
                + "and network disks with your storage's tools",
                Movability.whyNot("vm1", new Disk("vdb", "block", "disk", "/dev/sdb", "raw", null, null, false), d -> false));
        assertEquals("disk vda of vm1 already has a block job running; wait for it to finish or end it with "
                + "'virsh blockjob vm1 vda --abort'", Movability.whyNot("vm1", PLAIN, d -> true));
        assertEquals("disk vda of vm1 has a backing chain (/a/top.qcow2 <- /a/vda.img): blockshift moves single-image "
                + "disks; flatten it first with 'virsh blockpull vm1 vda --wait'",
                Movability.whyNot("vm1", new Disk("vda", "file", "disk", "/a/top.qcow2", "qcow2", "/a/vda.img", null,
                        false), d -> false));
    }

    @Test
    void aJobIsReportedBeforeTheChainItMadeAndTheFleetSelectorDoesNotAskAboutJobs() throws Exception {
        Disk committing = new Disk("vda", "file", "disk", "/a/top.qcow2", "qcow2", "/a/vda.img", "active-commit", true);
        assertEquals("disk vda of vm1 already has a block job running; wait for it to finish or end it with "
                + "'virsh blockjob vm1 vda --abort'", Movability.whyNot("vm1", committing, Disk::hasMirror));
        assertNull(Movability.whyNot("vm1", new Disk("vda", "file", "disk", "/a/vda.img", "raw", null, "copy", false),
                Movability.JOBS_NOT_ASKED));
    }
}
