package io.blockshift.activities.migration;

import io.blockshift.workflows.MigrationPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * The names of the files a migration makes, all beside its target B: the one place their suffixes
 * are written. Preflight names them in the plan; the steps read them from it, so a migration a
 * worker began keeps the names it recorded.
 */
public final class MigrationFiles {

    /** A', the snapshot's overlay of A that the guest writes to until the mirror. */
    private static final String TOP_SUFFIX = ".blockshift-top.qcow2";
    /** B', the empty overlay of B that A' is mirrored into. */
    private static final String OVERLAY_SUFFIX = ".blockshift-overlay.qcow2";
    /** B' under its scratch name, before it is linked into place (qemu-img create replaces a file). */
    private static final String SCRATCH_SUFFIX = ".new";
    /** B while it is being cloned, linked to B's name when complete. */
    private static final String PARTIAL_SUFFIX = ".blockshift-partial";
    /** The target's claim, holding the workflow ID of the migration working on it: see {@link TargetClaim}. */
    private static final String CLAIM_SUFFIX = ".blockshift-reserved";

    private final Path target;

    private MigrationFiles(Path target) {
        this.target = target;
    }

    /** The files of a migration to {@code target} (absolute, normalized). */
    public static MigrationFiles beside(Path target) {
        return new MigrationFiles(target);
    }

    public Path top() {
        return sibling(TOP_SUFFIX);
    }

    public Path overlay() {
        return sibling(OVERLAY_SUFFIX);
    }

    Path partial() {
        return sibling(PARTIAL_SUFFIX);
    }

    /** Every file a migration to this target makes, in the order preflight reports a leftover. */
    List<Path> all() {
        return List.of(top(), overlay(), overlayScratch(overlay()), partial(), claim(target));
    }

    /** Where the overlay step writes B' before linking it into place. */
    static Path overlayScratch(MigrationPlan plan) {
        return overlayScratch(Path.of(plan.overlay()));
    }

    /** The claim on the plan's target. */
    static Path claim(MigrationPlan plan) {
        return claim(Path.of(plan.target()));
    }

    /**
     * Where the workflow {@code workflowId} writes its claim on the plan's target before linking it
     * into place: a name of its own, so that two migrations taking the claim at once never share it.
     */
    static Path claimScratch(MigrationPlan plan, String workflowId) {
        Path claim = claim(plan);
        return claim.resolveSibling(claim.getFileName() + "." + Integer.toHexString(workflowId.hashCode()) + SCRATCH_SUFFIX);
    }

    /** The claim a migration to {@code target} holds while it runs. */
    public static Path claimOn(Path target) {
        return claim(target);
    }

    private static Path overlayScratch(Path overlay) {
        return Path.of(overlay + SCRATCH_SUFFIX);
    }

    private static Path claim(Path target) {
        return target.resolveSibling(target.getFileName() + CLAIM_SUFFIX);
    }

    private Path sibling(String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }
}
