package io.blockshift.client.session;

import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.UnneededBacking;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a migration ended.
 *
 * @param workflowId the workflow's ID
 * @param exitCode see {@code ExitCodes}
 * @param result the result when it succeeded, else null
 * @param failureType the deciding failure type when it failed, else null
 * @param message what to tell the operator when it did not succeed, else null
 * @param plan what preflight resolved, when the workflow got that far and still answers
 */
public record MigrationOutcome(String workflowId, int exitCode, MigrateDiskResult result, String failureType,
        String message, MigrationPlan plan) implements SessionOutcome {

    /** What each step does, for the summary. */
    private static final Map<DiskPhase, String> STEP_MEANINGS = Map.of(
            DiskPhase.PREFLIGHT, "checked the domain, the disk, the target and free space",
            DiskPhase.SNAPSHOT, "the guest writes to a snapshot overlay A' while A stays still",
            DiskPhase.CLONE, "copied A to B",
            DiskPhase.OVERLAY, "created B', an empty overlay backed by B",
            DiskPhase.MIRROR, "mirrored A' into B', then pivoted the guest onto B'",
            DiskPhase.COMMIT, "committed B' into B, then pivoted the guest onto B alone",
            DiskPhase.CLEANUP, "removed A', B' and stale snapshot metadata",
            DiskPhase.CLAIM, "held A against a start of the shut-off VM and claimed B",
            DiskPhase.DEFINE, "defined the shut-off VM on B");

    /** The summary of a successful migration; none otherwise. */
    @Override
    public List<String> summary() {
        return result == null ? List.of() : summary(result);
    }

    @Override
    public void putJson(Map<String, Object> json) {
        if (result != null) {
            json.put("result", result);
            json.put("totalMillis", result.totalMillis());
        } else {
            json.put("failureType", failureType);
            json.put("message", message);
        }
    }

    /** The summary of a successful migration: each step and its time, the cloner, bytes and checksum. */
    public static List<String> summary(MigrateDiskResult result) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "migrated %s %s in %s: the guest runs on %s", result.domain(),
                result.disk(), ProgressDisplay.duration(result.totalMillis()), result.target()));
        lines.add("  A  " + result.source());
        lines.add("  B  " + result.target());
        result.stepMillis().forEach((step, millis) -> lines.add(String.format(Locale.ROOT, "  %-9s %8s  %s", step,
                ProgressDisplay.duration(millis), stepDetail(step, result))));
        lines.add("cloner:   " + result.cloner() + " (" + result.clonerReason() + ")");
        lines.add("copied:   " + ProgressDisplay.bytes(result.bytesCopied()) + " (" + result.bytesCopied() + " bytes)");
        lines.add("checksum: " + (result.checksum() == null ? "none (the copy was not checksummed)"
                : result.checksumAlgorithm() + " " + result.checksum() + " (A and B agree)"));
        for (UnneededBacking backing : result.unneededBacking()) {
            lines.add("backing:  " + backing.path() + " is no longer needed by this disk: " + (backing.deleted() ? "deleted"
                    : backing.stillUsed() ? "kept, still used by " + String.join(", ", backing.usedBy())
                    : "kept; nothing on this host uses it (--delete-unused-backing deletes such images)"));
        }
        if (result.cancelIgnored()) {
            lines.add("note:     the cancel came after the guest had moved onto the new storage, so the migration"
                    + " finished instead of rolling back");
        }
        return lines;
    }

    private static String stepDetail(String step, MigrateDiskResult result) {
        DiskPhase phase = DiskPhase.of(step);
        String meaning = phase == null ? "" : STEP_MEANINGS.getOrDefault(phase, "");
        if (phase == DiskPhase.CLONE) {
            return meaning + " with " + result.cloner() + ": " + ProgressDisplay.bytes(result.bytesCopied());
        }
        return phase == DiskPhase.CLEANUP ? (result.sourceKept() ? "kept A; " : "deleted A; ") + meaning : meaning;
    }
}
