package io.blockshift.client.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.blockshift.client.audit.AuditReport.Child;
import io.blockshift.client.audit.AuditReport.Run;
import io.blockshift.client.audit.AuditReport.Step;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.Memo;
import io.blockshift.workflows.MigrateDiskResult;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** An {@link AuditReport} as Markdown, readable as it is in a terminal. */
final class MarkdownReport {


    private final AuditReport report;
    private final PrintStream out;

    MarkdownReport(AuditReport report, PrintStream out) {
        this.report = report;
        this.out = out;
    }

    void print() {
        boolean chained = report.runs().size() > 1 || report.earlierRunsNotRead() != null;
        header(chained);
        out.println();
        out.println("## Input");
        out.println();
        out.println(report.input() == null && report.earlierRunsNotRead() != null ? "(in the first run, not read)"
                : "```json\n" + pretty(report.input()) + "\n```");
        if (chained) {
            runs();
        }
        if (!report.steps().isEmpty()) {
            steps(chained);
            convergence();
        }
        if (report.children() != null) {
            disks();
        }
        if (report.result() != null) {
            out.println();
            out.println("## Result");
            out.println();
            out.println("```json\n" + pretty(report.result()) + "\n```");
        }
    }

    /** The title and the table of who, why, when and how it ended. */
    private void header(boolean chained) {
        String notRead = report.earlierRunsNotRead();
        Map<String, JsonNode> memo = report.memo();
        out.println("# " + report.workflowType() + " " + report.workflowId());
        out.println();
        out.println("| | |");
        out.println("|---|---|");
        if (chained) {
            int runs = report.runs().size();
            row("runs", runs + (notRead == null ? " (continued as new " + (runs - 1) + " times)"
                    : " read (" + notRead + ")") + "; the last: " + report.runId());
        } else {
            row("run", report.runId());
        }
        row("status", report.status());
        String notRecorded = notRead == null ? "(not recorded)" : "(not read: the first run has it)";
        row("requested by", memo.containsKey(Memo.REQUESTED_BY) ? memo.get(Memo.REQUESTED_BY).asText() : notRecorded);
        row("reason", memo.containsKey(Memo.REASON) ? memo.get(Memo.REASON).asText() : notRecorded);
        row("started by (client identity)", report.startedBy());
        row("started", String.valueOf(report.started()));
        row("closed", report.closed() == null ? "(still running)"
                : report.closed() + " (" + Duration.between(report.started(), report.closed()).toMillis() + " ms)");
        memo.forEach((k, v) -> {
            if (!k.equals(Memo.REQUESTED_BY) && !k.equals(Memo.REASON)) {
                row("memo " + k, v.isTextual() ? v.asText() : v.toString());
            }
        });
        if (report.failure() != null) {
            row("failure", report.failure());
        }
    }

    private void runs() {
        out.println();
        out.println("## Runs");
        out.println();
        out.println("| run | run ID | started | closed | status | events | disks started |");
        out.println("|---|---|---|---|---|---|---|");
        for (Run run : report.runs()) {
            out.println("| " + run.number() + " | " + run.runId() + " | " + run.started() + " | "
                    + (run.closed() == null ? "" : run.closed()) + " | " + run.status() + " | " + run.events() + " | "
                    + run.childrenStarted() + " |");
        }
    }

    private void steps(boolean chained) {
        out.println();
        out.println("## Steps");
        out.println();
        out.println((chained ? "| run " : "") + "| activity | kind | scheduled | ms | attempts | outcome | result or failure |");
        out.println((chained ? "|---" : "") + "|---|---|---|---|---|---|---|");
        for (Step step : report.steps()) {
            String what = step.failure() != null ? step.failure() : step.result() == null ? "" : step.result().toString();
            if (step.lastRetriedFailure() != null) {
                what += " (retried after: " + step.lastRetriedFailure() + ")";
            }
            out.println((chained ? "| " + step.run() + " " : "") + "| " + step.activity() + " | "
                    + (step.compensation() ? "compensation" : "step") + " | " + step.scheduled() + " | "
                    + (step.millis() == null ? "" : step.millis()) + " | " + step.attempts() + " | " + step.outcome()
                    + " | " + cell(what) + " |");
        }
    }

    /** What block jobs needed to converge under guest writes, from their steps' results: said in words. */
    private void convergence() {
        boolean any = false;
        for (Step step : report.steps()) {
            JsonNode needed = step.result() == null ? null : step.result().get("convergence");
            if (needed == null || !needed.isObject()) {
                continue;
            }
            if (!any) {
                out.println();
                out.println("## Convergence");
                out.println();
                any = true;
            }
            out.println("- " + step.activity() + ": " + PayloadReader.as(needed, ConvergenceReport.class).describe());
        }
    }

    /** The disks table, a line of counts, and where to read more. */
    private void disks() {
        out.println();
        out.println("## Disks");
        out.println();
        out.println("| # | workflow | domain | disk | target | run | status | known from | checksum or failure |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        Map<String, Integer> counts = new LinkedHashMap<>();
        int toReadElsewhere = 0;
        for (Child c : report.children()) {
            counts.merge(c.status(), 1, Integer::sum);
            toReadElsewhere += c.note() == null ? 0 : 1;
            boolean neverStarted = DiskEnd.NOT_STARTED.equals(c.status()) || DiskEnd.FROM_RESOLVE.equals(c.endKnownFrom())
                    || DiskEnd.FROM_FLEET_RESULT.equals(c.endKnownFrom());
            String run = c.run() != null ? c.run().toString() : neverStarted ? "" : "earlier";
            out.println("| " + (c.index() == null ? "" : c.index()) + " | " + cell(c.workflowId()) + " | " + cell(c.domain())
                    + " | " + cell(c.disk()) + " | " + cell(c.target()) + " | " + run + " | " + c.status() + " | "
                    + cell(c.endKnownFrom()) + " | " + cell(checksumOrFailure(c)) + " |");
        }
        out.println();
        StringBuilder line = new StringBuilder(report.children().size() + " disk(s): ");
        counts.forEach((status, n) -> line.append(n).append(' ').append(status).append(", "));
        out.println(line.substring(0, line.length() - 2) + ".");
        if (report.earlierRunsNotRead() != null) {
            out.println("Disks that ended in the runs not read are not listed; the fleet's result counts them.");
        }
        if (toReadElsewhere > 0) {
            // Their children outlived the run that started them, so no close event of theirs is in the fleet's history.
            out.println(toReadElsewhere + " disk(s) have their steps and checksum in their own history only: `blockshift audit"
                    + " WORKFLOW_ID` shows one disk's, and `blockshift audit " + report.workflowId() + " --disks` adds every"
                    + " disk's checksum here.");
        }
    }

    private static String checksumOrFailure(Child c) {
        if (c.failure() != null) {
            return c.failure();
        }
        MigrateDiskResult migrated = PayloadReader.as(c.result(), MigrateDiskResult.class);
        if (migrated == null) {
            return "";
        }
        String algorithm = migrated.checksumAlgorithm() == null ? "checksum" : migrated.checksumAlgorithm();
        return c.checksum() != null ? algorithm + " " + c.checksum() : "no checksum (" + migrated.cloner() + ")";
    }

    private void row(String name, String value) {
        out.println("| " + name + " | " + cell(value) + " |");
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String pretty(JsonNode node) {
        try {
            return AuditReport.OUTPUT.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            return String.valueOf(node);
        }
    }
}
