package io.blockshift.activities.agentless;

import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;

/**
 * What an attempt of a step has done, recorded as the step's heartbeat so that a retry of the same
 * step (which sees its last heartbeat) can tell a volume it made from one it did not. A record is
 * a {@link StepProgress} whose step names the mark, so progress readers see it as no progress.
 * A record that did not reach the server before a crash is simply absent: the retry then refuses
 * rather than guesses.
 */
final class Marks {

    private Marks() {
    }

    /** Records {@code mark} for later attempts of this step. */
    static void record(String mark) {
        Activity.getExecutionContext().heartbeat(new StepProgress(mark, 0, 0, 0));
    }

    /** Whether an attempt of this step (this one included) last recorded {@code mark}. */
    static boolean recorded(String mark) {
        return Activity.getExecutionContext().getHeartbeatDetails(StepProgress.class)
                .map(p -> mark.equals(p.step())).orElse(false);
    }
}
