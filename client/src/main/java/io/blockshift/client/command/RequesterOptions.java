package io.blockshift.client.command;

import io.blockshift.workflows.Memo;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Who asks for a migration or a fleet, and why: the workflow's memo, the audit's first rows. */
final class RequesterOptions {

    @Option(names = "--requested-by", paramLabel = "NAME",
            description = "Who asks for this, for the audit (default: the user who ran sudo, else this user).")
    String requestedBy;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit (kept in the workflow's memo).")
    String reason;

    /** The memo to start the workflow with. */
    Map<String, Object> memo() {
        Map<String, Object> memo = new LinkedHashMap<>();
        memo.put(Memo.REQUESTED_BY, requestedBy != null ? requestedBy
                : System.getenv().getOrDefault("SUDO_USER", System.getProperty("user.name")));
        if (reason != null) {
            memo.put(Memo.REASON, reason);
        }
        return memo;
    }
}
