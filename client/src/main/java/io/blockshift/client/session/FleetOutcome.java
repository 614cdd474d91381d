package io.blockshift.client.session;

import io.blockshift.workflows.FleetResult;
import java.util.List;
import java.util.Map;

/**
 * How a fleet ended.
 *
 * @param workflowId the fleet's workflow ID
 * @param exitCode see {@code ExitCodes}
 * @param result the final counts (from the result, or from the last progress when it failed or was canceled); null
 *     when it never ran
 * @param message what to tell the operator when not every disk moved, else null
 */
public record FleetOutcome(String workflowId, int exitCode, FleetResult result, String message) implements SessionOutcome {

    /** One line of counts and where each disk's report is; none when it never ran. */
    @Override
    public List<String> summary() {
        if (result == null) {
            return List.of();
        }
        return List.of("fleet " + workflowId + ": " + result.done() + " of " + result.total() + " disk(s) moved ("
                + ProgressDisplay.bytes(result.bytesDone()) + "), " + result.failed() + " failed or refused, "
                + result.canceled() + " canceled; the report of each disk: blockshift audit " + workflowId);
    }

    @Override
    public void putJson(Map<String, Object> json) {
        json.put("result", result);
        json.put("message", message);
    }
}
