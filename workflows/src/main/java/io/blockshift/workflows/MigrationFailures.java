package io.blockshift.workflows;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/**
 * What a migration (or a fleet) says when it ends without moving the disk, or moves it and leaves
 * something to do by hand: each message says where the guest runs and what to do next, and its
 * type ({@link FailureType}) is what the CLI's exit codes and the audit read.
 */
final class MigrationFailures {

    /** The problem of a migration started without input. */
    static final String NO_INPUT = "no input: pass the request as one JSON object, such as --input '{\"domain\": \"vm1\", "
            + "\"disk\": \"vda\", \"target\": \"/new/vm1-vda.img\"}'";

    /** The problem of a fleet started without input. */
    static final String NO_FLEET_INPUT = "no input: pass the fleet as one JSON object, such as --input '{\"migrations\": "
            + "[{\"domain\": \"vm1\", \"disk\": \"vda\", \"target\": \"/new/vm1-vda.img\"}]}'";

    private MigrationFailures() {
    }

    /** Refused before anything changed: {@code why} is what is wrong. */
    static ApplicationFailure refused(String why, Throwable cause) {
        return ApplicationFailure.newNonRetryableFailureWithCause("refused: " + why + ". Nothing was changed.",
                FailureType.REFUSED.wire(), cause);
    }

    /** Refused for what is wrong with the request as written. */
    static ApplicationFailure malformed(List<String> problems) {
        return refused(String.join("; ", problems), null);
    }

    /** Preflight refused: its message says why. */
    static ApplicationFailure refusedByPreflight(ActivityFailure failure) {
        return ApplicationFailure.newNonRetryableFailureWithCause(sentence(messageOf(failure)) + " Nothing was changed.",
                FailureType.REFUSED.wire(), failure);
    }

    /** The guest runs on B' over B; the commit into B is left to do by hand. */
    static ApplicationFailure commitIncomplete(MigrationPlan plan, ActivityFailure failure) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
                "the guest runs on " + plan.overlay() + " backed by " + plan.target()
                        + " (a consistent chain on the new storage), but committing the overlay into "
                        + plan.target() + " did not finish: " + messageOf(failure)
                        + ". Nothing is lost; finish by hand with: virsh blockcommit " + plan.domainName()
                        + " " + plan.diskTarget() + " --active --shallow --pivot --wait",
                FailureType.COMMIT_INCOMPLETE.wire(), failure);
    }

    /** The guest runs on B alone; some of what the migration leaves behind is still there. */
    static ApplicationFailure cleanupIncomplete(MigrationPlan plan, ActivityFailure failure) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
                "the migration is done: the guest runs on " + plan.target() + " alone; but cleaning up did not finish: "
                        + sentence(messageOf(failure)) + " Delete by hand whichever of these is left: "
                        + (plan.keepSource() ? "" : plan.source() + ", ") + plan.top() + ", " + plan.overlay()
                        + " (check first with: virsh domblklist " + plan.domainName() + " --details)",
                FailureType.CLEANUP_INCOMPLETE.wire(), failure);
    }

    /** {@code step} failed and which image the guest runs on could not be told, so nothing was undone or redone. */
    static ApplicationFailure undecided(MigrationPlan plan, DiskPhase step, Throwable failure, ActivityFailure unknown) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
                "step " + step.wire() + " failed (" + messageOf(failure) + ") and blockshift could not tell which image disk "
                        + plan.diskTarget() + " of " + plan.domainName() + " runs on (" + messageOf(unknown)
                        + "), so it neither rolled back nor forward. Check with: virsh domblklist "
                        + plan.domainName() + " --details", FailureType.UNDECIDED.wire(), unknown);
    }

    /** {@code step} failed and a compensation failed too. */
    static ApplicationFailure rollbackIncomplete(MigrationPlan plan, DiskPhase step, Throwable failure,
            RuntimeException compensationFailure) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
                "step " + step.wire() + " failed (" + messageOf(failure) + ") and rolling back did not finish: "
                        + messageOf(compensationFailure) + ". Check the disk " + plan.diskTarget() + " of "
                        + plan.domainName() + " with: virsh domblklist " + plan.domainName() + " --details",
                FailureType.ROLLBACK_INCOMPLETE.wire(), compensationFailure);
    }

    /** {@code step} failed and everything was undone: the guest runs on A alone. */
    static ApplicationFailure rolledBack(MigrationPlan plan, DiskPhase step, Throwable failure) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
                "step " + step.wire() + " failed: " + sentence(messageOf(failure)) + " Rolled back: "
                        + (plan.inactive() ? "domain " + plan.domainName() + " is still defined on " + plan.source()
                                + ", untouched," : "the guest runs on " + plan.source() + " alone")
                        + " and nothing new is left on disk.",
                FailureType.ROLLED_BACK.wire(), failure);
    }

    /** The innermost message: what the activity said, not Temporal's wrapping. */
    static String messageOf(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && (t instanceof ActivityFailure || t.getCause() instanceof ApplicationFailure)) {
            t = t.getCause();
        }
        String message = t instanceof ApplicationFailure app ? app.getOriginalMessage() : t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }

    private static String sentence(String message) {
        return message.endsWith(".") ? message : message + ".";
    }
}
