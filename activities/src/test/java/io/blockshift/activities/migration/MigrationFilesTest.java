package io.blockshift.activities.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationFilesTest {

    @Test
    void everyWorkingFileSitsBesideTheTargetUnderItsRecordedName() {
        MigrationFiles files = MigrationFiles.beside(Path.of("/new/vm1-vda.img"));
        assertEquals(Path.of("/new/vm1-vda.img.blockshift-top.qcow2"), files.top());
        assertEquals(Path.of("/new/vm1-vda.img.blockshift-overlay.qcow2"), files.overlay());
        assertEquals(Path.of("/new/vm1-vda.img.blockshift-partial"), files.partial());
        assertEquals(List.of(Path.of("/new/vm1-vda.img.blockshift-top.qcow2"),
                Path.of("/new/vm1-vda.img.blockshift-overlay.qcow2"),
                Path.of("/new/vm1-vda.img.blockshift-overlay.qcow2.new"),
                Path.of("/new/vm1-vda.img.blockshift-partial"),
                Path.of("/new/vm1-vda.img.blockshift-reserved")), files.all());
    }

    @Test
    void aPlansScratchAndClaimFollowItsRecordedOverlayAndTarget() {
        MigrationPlan plan = new MigrationPlan("qemu:///system", "vm1", "uuid", true, "vda", "/old/vda.img", "raw",
                1, 1, "/new/t.img.blockshift-top.qcow2", "/new/t.img", "/new/t.img.blockshift-partial",
                "/new/t.img.blockshift-overlay.qcow2", "plain", "why", 0, false, false, false);
        assertEquals(Path.of("/new/t.img.blockshift-overlay.qcow2.new"), MigrationFiles.overlayScratch(plan));
        assertEquals(Path.of("/new/t.img.blockshift-reserved"), MigrationFiles.claim(plan));
    }
}
