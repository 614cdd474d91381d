package io.blockshift.client;

import io.blockshift.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import java.util.Map;

/**
 * What blockshift's exit status means, in one place: the commands return these, {@code --help}
 * prints {@link #HELP_FOOTER}, and {@link #of(Throwable)} maps a workflow's failure onto them.
 */
public final class ExitCodes {

    /** The VM runs on the target (migrate, demo), every disk of a fleet moved, or the copy is complete (clone). */
    public static final int OK = 0;
    /** A usage error: picocli's own code for an unknown option or a missing argument. */
    public static final int USAGE = 2;
    /** Refused before anything changed (failure type {@code Refused}). */
    public static final int REFUSED = 3;
    /** Failed and rolled back: the VM runs on its old disk, nothing new is left (type {@code RolledBack}). */
    public static final int ROLLED_BACK = 4;
    /** Canceled (Ctrl-C, {@code temporal workflow cancel}) and rolled back. */
    public static final int CANCELED = 5;
    /**
     * Failed leaving something to finish by hand ({@code CommitIncomplete}, {@code RollbackIncomplete},
     * {@code CleanupIncomplete}, others);
     * for a fleet: not every disk moved (the message lists which and why).
     */
    public static final int NEEDS_ATTENTION = 6;
    /** Temporal cannot be reached, or blockshift itself failed. */
    public static final int UNREACHABLE = 7;
    /** No workflow with that ID (status, cancel, pause, resume, audit). */
    public static final int NOT_FOUND = 8;

    /**
     * The reason a cancel gives when it terminates a migration or fleet that no worker had started
     * (see {@code WorkflowSession.cancelOrEnd}): its outcome, read back later, is a cancel.
     */
    public static final String TERMINATED_UNSTARTED = "canceled by the operator before any worker picked it up";

    /** The exit status list for {@code --help}. */
    public static final String[] HELP_FOOTER = {
        "",
        "Exit status:",
        "  " + OK + "  success: the VM runs on the target (fleet: every disk moved; clone: the copy is complete)",
        "  " + USAGE + "  usage error",
        "  " + REFUSED + "  refused: nothing was changed",
        "  " + ROLLED_BACK + "  failed and rolled back: the VM runs on its old disk, nothing new is left",
        "  " + CANCELED + "  canceled and rolled back",
        "  " + NEEDS_ATTENTION + "  failed leaving something to finish by hand (fleet: not every disk moved): the"
                + " message says what",
        "  " + UNREACHABLE + "  Temporal cannot be reached, or an internal error",
        "  " + NOT_FOUND + "  no workflow with that ID",
    };

    private static final Map<String, Integer> BY_FAILURE_TYPE = Map.of(
            FailureType.REFUSED.wire(), REFUSED,
            FailureType.ROLLED_BACK.wire(), ROLLED_BACK);

    /** The words {@code --json}'s {@code outcome} and the messages use: the CLI's own, not the workflows' {@code Outcome}. */
    private static final Map<Integer, String> OUTCOMES = Map.of(
            OK, "done",
            REFUSED, "refused",
            ROLLED_BACK, "rolled back",
            CANCELED, "canceled",
            NEEDS_ATTENTION, "needs attention",
            UNREACHABLE, "error",
            NOT_FOUND, "not found");

    private ExitCodes() {
    }

    /** The exit status for a workflow failure of this {@code ApplicationFailure} type. */
    public static int forFailureType(String type) {
        return BY_FAILURE_TYPE.getOrDefault(type, NEEDS_ATTENTION);
    }

    /**
     * The exit status for a workflow that failed with {@code failure} (a {@code WorkflowFailedException}
     * or anything in its chain): the first {@link ApplicationFailure} or {@link CanceledFailure} in the
     * cause chain decides. A failure with neither (a timeout, a termination) needs a look by hand.
     */
    public static int of(Throwable failure) {
        if (terminatedUnstarted(failure)) {
            return CANCELED;
        }
        Throwable deciding = decidingFailure(failure);
        if (deciding instanceof CanceledFailure) {
            return CANCELED;
        }
        if (deciding instanceof ApplicationFailure app) {
            return forFailureType(app.getType());
        }
        return NEEDS_ATTENTION;
    }

    /**
     * The exit status of a workflow that was asked to cancel, by the failure type its status query
     * ended with: Temporal then closes it as CANCELED even when it went on to fail.
     */
    public static int afterCancel(String failureType) {
        return failureType == null ? CANCELED : forFailureType(failureType);
    }

    /**
     * What to tell the operator: the deciding {@link ApplicationFailure}'s own message, which the
     * workflow writes for operators (it quotes the activity's message that caused it), without
     * Temporal's wrapping.
     */
    public static String message(Throwable failure) {
        if (terminatedUnstarted(failure)) {
            return "no worker had picked it up, so the cancel ended (terminated) it before it began: nothing was changed";
        }
        Throwable deciding = decidingFailure(failure);
        if (deciding instanceof CanceledFailure) {
            return "rolled back; the VM runs on its old disk";
        }
        if (deciding instanceof ApplicationFailure app && app.getOriginalMessage() != null) {
            return app.getOriginalMessage();
        }
        Throwable innermost = failure;
        while (innermost.getCause() != null) {
            innermost = innermost.getCause();
        }
        return String.valueOf(innermost.getMessage());
    }

    /** The failure type that decided, or null for a cancel or a failure without one. */
    public static String failureType(Throwable failure) {
        return decidingFailure(failure) instanceof ApplicationFailure app ? app.getType() : null;
    }

    /** One or two words for an exit status, as {@code --json} reports it. */
    public static String outcome(int exitCode) {
        return OUTCOMES.getOrDefault(exitCode, "error");
    }

    /** Whether {@code failure} is a termination by a cancel before any worker started the workflow. */
    public static boolean terminatedUnstarted(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TerminatedFailure terminated) {
                return TERMINATED_UNSTARTED.equals(terminated.getOriginalMessage());
            }
        }
        return false;
    }

    private static Throwable decidingFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ApplicationFailure || t instanceof CanceledFailure) {
                return t;
            }
        }
        return null;
    }
}
