package io.blockshift.client.command;

import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrationPlan;
import java.util.ArrayList;
import java.util.List;

/** The lines {@code plan} adds for a disk whose image has a backing chain: which layers move and how. */
final class ChainPlanLines {

    private static final String INDENT = "              ";

    private ChainPlanLines() {
    }

    /** {@code copy}: each backing image's copy, deepest first. */
    static List<String> layers(MigrationPlan p) {
        List<String> lines = new ArrayList<>();
        if (!p.hasBacking() || p.chain() != ChainMode.COPY) {
            return lines;
        }
        List<BackingLayer> layers = p.backing();
        for (int i = layers.size() - 1; i >= 0; i--) {
            BackingLayer layer = layers.get(i);
            String line = "  2 clone     backing image " + layer.path() + " (" + layer.format() + ") -> " + layer.copy()
                    + " with " + p.cloner() + ", unless an identical copy is there already (then shared)";
            if (i + 1 < layers.size()) {
                BackingLayer below = layers.get(i + 1);
                line += "; qemu-img rebase -u -b " + below.copy() + " -F " + below.format() + " " + layer.copy();
            }
            lines.add(line);
        }
        return lines;
    }

    /** B's backing pointer and the check of what the guest sees through it. */
    static List<String> rebaseAndCheck(MigrationPlan p) {
        List<String> lines = new ArrayList<>();
        if (!p.hasBacking()) {
            return lines;
        }
        if (p.targetBacking() != null) {
            lines.add(INDENT + "qemu-img rebase -u -b " + p.targetBacking() + " -F " + p.backing().get(0).format() + " "
                    + p.partialTarget() + (p.chain() == ChainMode.SHALLOW ? " (the backing files stay where they are)" : ""));
        }
        lines.add(INDENT + "qemu-img compare " + p.source() + " " + p.target()
                + ": the guest sees the same content through both chains");
        return lines;
    }

    /** The old chain's images the disk no longer needs, and what clean-up does with them. */
    static List<String> unneeded(MigrationPlan p) {
        List<String> lines = new ArrayList<>();
        if (!p.hasBacking() || p.chain() == ChainMode.SHALLOW) {
            return lines;
        }
        for (BackingLayer layer : p.backing()) {
            lines.add(INDENT + "no longer needed: " + layer.path() + (p.deleteUnusedBacking()
                    ? ", deleted unless a defined domain on the host still uses it"
                    : ", kept (--delete-unused-backing deletes it when nothing uses it)"));
        }
        return lines;
    }
}
