package io.blockshift.client.session;

import java.util.List;
import java.util.Map;

/** How a followed workflow ended, as {@link WorkflowSession#report} tells the operator. */
public interface SessionOutcome {

    String workflowId();

    /** See {@code ExitCodes}. */
    int exitCode();

    /** What to tell the operator on stderr when it did not succeed (or not entirely), else null. */
    String message();

    /** The lines of the summary on stdout; none when there is nothing to sum up. */
    List<String> summary();

    /** The fields of {@code --json} after {@code workflowId}, {@code outcome} and {@code exitCode}. */
    void putJson(Map<String, Object> json);
}
