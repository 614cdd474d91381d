package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.session.MigrationOutcome;
import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.UnneededBacking;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code plan} and {@code migrate} say about a backing chain. */
class ChainPlanLinesTest {

    private static final List<BackingLayer> LAYERS = List.of(
            new BackingLayer("/old/_base/mid.qcow2", "qcow2", 1 << 24, 1 << 20, "/new/mid.qcow2"),
            new BackingLayer("/old/_base/base.img", "raw", 1 << 24, 1 << 20, "/new/base.img"));

    @Test
    void copyNamesEachLayersCopyDeepestFirstAndTheRebases() {
        MigrationPlan plan = plan(ChainMode.COPY, false);
        assertEquals(List.of(
                "  2 clone     backing image /old/_base/base.img (raw) -> /new/base.img with sparse, unless an identical"
                        + " copy is there already (then shared)",
                "  2 clone     backing image /old/_base/mid.qcow2 (qcow2) -> /new/mid.qcow2 with sparse, unless an identical"
                        + " copy is there already (then shared); qemu-img rebase -u -b /new/base.img -F raw /new/mid.qcow2"),
                ChainPlanLines.layers(plan));
        assertEquals(List.of(
                "              qemu-img rebase -u -b /new/mid.qcow2 -F qcow2 /new/vm1.qcow2.blockshift-partial",
                "              qemu-img compare /old/vm1.qcow2 /new/vm1.qcow2: the guest sees the same content through both chains"),
                ChainPlanLines.rebaseAndCheck(plan));
        assertTrue(ChainPlanLines.unneeded(plan).get(0).contains("no longer needed: /old/_base/mid.qcow2, kept"));
        assertTrue(ChainPlanLines.unneeded(plan(ChainMode.FLATTEN, true)).get(1)
                .contains("/old/_base/base.img, deleted unless a defined domain on the host still uses it"));
    }

    @Test
    void shallowKeepsTheBackingFilesAndListsNothingUnneeded() {
        MigrationPlan plan = plan(ChainMode.SHALLOW, false);
        assertEquals(List.of(), ChainPlanLines.layers(plan));
        assertTrue(ChainPlanLines.rebaseAndCheck(plan).get(0).endsWith("(the backing files stay where they are)"));
        assertEquals(List.of(), ChainPlanLines.unneeded(plan));
    }

    @Test
    void migratesSummarySaysWhatBecameOfEachOldBackingImage() {
        MigrateDiskResult result = new MigrateDiskResult("vm1", "vda", "/old/vm1.qcow2", "/new/vm1.qcow2", "sparse", "auto",
                1, "qemu-img compare", "identical guest-visible content", false, new LinkedHashMap<>(), false,
                List.of(new UnneededBacking("/old/_base/mid.qcow2", List.of("vm2"), false),
                        new UnneededBacking("/old/_base/base.img", List.of(), true)));
        List<String> lines = MigrationOutcome.summary(result);
        assertTrue(lines.contains("backing:  /old/_base/mid.qcow2 is no longer needed by this disk: kept, still used by vm2"),
                lines::toString);
        assertTrue(lines.contains("backing:  /old/_base/base.img is no longer needed by this disk: deleted"), lines::toString);
    }

    private static MigrationPlan plan(ChainMode mode, boolean deleteUnused) {
        return new MigrationPlan("qemu:///system", "vm1", "uuid", true, "vda", "/old/vm1.qcow2", "qcow2", 1 << 24, 1 << 20,
                "/new/vm1.qcow2.blockshift-top.qcow2", "/new/vm1.qcow2", "/new/vm1.qcow2.blockshift-partial",
                "/new/vm1.qcow2.blockshift-overlay.qcow2", "sparse", "auto", 0, false, false, mode,
                mode == ChainMode.COPY ? LAYERS : LAYERS.stream().map(l -> new BackingLayer(l.path(), l.format(),
                        l.virtualSize(), l.allocated(), null)).toList(), deleteUnused);
    }
}
