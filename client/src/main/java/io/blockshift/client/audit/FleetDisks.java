package io.blockshift.client.audit;

import static io.blockshift.client.audit.DiskEnd.CANCELED;
import static io.blockshift.client.audit.DiskEnd.DONE;
import static io.blockshift.client.audit.DiskEnd.FAILED;
import static io.blockshift.client.audit.DiskEnd.FROM_CHECK;
import static io.blockshift.client.audit.DiskEnd.FROM_CLOSE_EVENT;
import static io.blockshift.client.audit.DiskEnd.FROM_FLEET_RESULT;
import static io.blockshift.client.audit.DiskEnd.FROM_OWN_HISTORY;
import static io.blockshift.client.audit.DiskEnd.FROM_RESOLVE;
import static io.blockshift.client.audit.DiskEnd.FROM_SIGNAL;
import static io.blockshift.client.audit.DiskEnd.NOT_STARTED;
import static io.blockshift.client.audit.DiskEnd.REFUSED;
import static io.blockshift.client.audit.DiskEnd.RUNNING;
import static io.blockshift.client.audit.DiskEnd.STARTING;

import com.fasterxml.jackson.databind.JsonNode;
import io.blockshift.client.audit.AuditReport.Child;
import io.blockshift.workflows.DiskOutcome;
import io.blockshift.workflows.FleetDisk;
import io.blockshift.workflows.FleetFailure;
import io.blockshift.workflows.FleetState;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.Outcome;
import io.blockshift.workflows.ResolvedDisk;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides each disk of a fleet's end from what the chain of runs read says of it: the disks as
 * requested (or carried over from a run not read), the children the runs started, the
 * {@code DiskFinished} signals and {@code ClosedChildren} answers the fleet heard, its first
 * pass's refusals, and the failure lines of its result. {@link HistoryReader} tells it each of
 * these as it meets them; {@link #disks} then matches every child to its disk and decides.
 */
final class FleetDisks {

    /** A {@code DiskOutcome} the fleet heard (by signal or by its check) and when. */
    private record Heard(DiskOutcome outcome, Instant at) {
    }

    /** The fleet's disks as requested, in order, before any child is matched to them. */
    private final List<DiskBuilder> requested = new ArrayList<>();
    private final List<ChildBuilder> children = new ArrayList<>();
    /** By child workflow ID, each disk's DiskFinished signal and ClosedChildren answer (the first of each). */
    private final Map<String, Heard> signals = new HashMap<>();
    private final Map<String, Heard> checks = new HashMap<>();
    /** Why the fleet's first pass refused a disk, by {@link #key} of its request. */
    private final Map<String, String> refusedByResolve = new HashMap<>();

    /** Whether a disk's {@code host} names none: it runs on the workflow's own task queue. */
    static boolean noHost(String host) {
        return host == null || host.isBlank();
    }

    /** The disks a fleet's request lists (typed), with their JSON as recorded ({@code json}, an array). */
    void requested(List<MigrateDiskRequest> requests, JsonNode json) {
        for (int i = 0; i < requests.size(); i++) {
            requested.add(new DiskBuilder(i, requests.get(i), json.get(i)));
        }
    }

    /** A selector's expansion: the disks, unless the runs read already listed them. */
    void expanded(List<MigrateDiskRequest> requests, JsonNode json) {
        if (requested.isEmpty()) {
            requested(requests, json);
        }
    }

    /**
     * The disks the oldest run read knows from the state the run before it carried over: running
     * (children of runs not read), resolved and waiting, and not resolved yet. Those that ended in
     * the runs not read are gone from it.
     */
    void carried(FleetState state) {
        state.unpack();
        state.running.values().forEach(disk -> requested.add(DiskBuilder.of(disk, true)));
        state.ready.forEach(disk -> requested.add(DiskBuilder.of(disk, false)));
        Set<Integer> skip = new HashSet<>(state.skip);
        int index = state.nextIndex;
        for (MigrateDiskRequest request : state.pending) {
            if (!skip.contains(index)) {
                requested.add(new DiskBuilder(index, request, PayloadReader.json(request)));
            }
            index++;
        }
    }

    /** What the fleet's first pass answered for {@code asked}: the refusals. */
    void resolved(List<MigrateDiskRequest> asked, List<ResolvedDisk> answered) {
        for (int i = 0; i < asked.size() && i < answered.size(); i++) {
            if (answered.get(i).refused() != null) {
                refusedByResolve.putIfAbsent(key(asked.get(i)), answered.get(i).refused());
            }
        }
    }

    /** A child's {@code DiskFinished} signal, heard {@code at}. */
    void signaled(DiskOutcome outcome, Instant at) {
        signals.putIfAbsent(outcome.workflowId(), new Heard(outcome, at));
    }

    /** The fleet's {@code ClosedChildren} check: the children it found closed, {@code at}. */
    void checked(List<DiskOutcome> closed, Instant at) {
        closed.forEach(outcome -> checks.putIfAbsent(outcome.workflowId(), new Heard(outcome, at)));
    }

    /** A child the fleet's run {@code run} initiated, with its input ({@code json} as recorded). */
    ChildBuilder initiated(String workflowId, JsonNode json, int run) {
        ChildBuilder child = new ChildBuilder(workflowId, PayloadReader.as(json, MigrateDiskRequest.class), json, run);
        children.add(child);
        return child;
    }

    /**
     * Every disk once, or null when the runs read list none: the requested ones in order, each
     * matched to the child that migrated it; {@code failures} are the lines of the fleet's result.
     */
    List<Child> disks(List<String> failures) {
        if (requested.isEmpty() && children.isEmpty()) {
            return null;
        }
        Map<String, DiskBuilder> byWorkflowId = new HashMap<>();
        Map<String, ArrayDeque<DiskBuilder>> byRequest = new HashMap<>();
        for (DiskBuilder disk : requested) {
            if (disk.workflowId != null) {
                byWorkflowId.put(disk.workflowId, disk);
            }
            byRequest.computeIfAbsent(key(disk.request), k -> new ArrayDeque<>()).add(disk);
        }
        List<DiskBuilder> all = new ArrayList<>(requested);
        for (ChildBuilder child : children) {
            DiskBuilder disk = byWorkflowId.get(child.workflowId);
            if (disk == null || disk.child != null) {
                ArrayDeque<DiskBuilder> same = byRequest.getOrDefault(key(child.request), new ArrayDeque<>());
                while (!same.isEmpty() && (same.peek().child != null || same.peek().workflowId != null)) {
                    same.poll();
                }
                disk = same.poll();
            }
            if (disk == null) {
                disk = new DiskBuilder(null, child.request, child.json);
                all.add(disk);
            }
            disk.child = child;
            disk.workflowId = child.workflowId;
        }
        Map<Integer, String> failedLines = byIndex(failures);
        return all.stream()
                .sorted(Comparator.comparing((DiskBuilder d) -> d.index, Comparator.nullsLast(Comparator.naturalOrder())))
                .map(d -> decide(d, failedLines.get(d.index)))
                .toList();
    }

    /** The fleet's own lines on disks that failed (the first 100 it keeps): why, by index. */
    private static Map<Integer, String> byIndex(List<String> failures) {
        Map<Integer, String> lines = new HashMap<>();
        if (failures != null) {
            for (String line : failures) {
                FleetFailure failure = FleetFailure.parse(line);
                if (failure != null) {
                    lines.putIfAbsent(failure.index(), failure.why());
                }
            }
        }
        return lines;
    }

    /**
     * A disk's end as the chain knows it: the child's close event in the run that started it, else
     * its DiskFinished signal, else the fleet's ClosedChildren answer; for a disk never started,
     * the first pass's refusal or the fleet's failure line ({@code failureLine}).
     */
    private Child decide(DiskBuilder disk, String failureLine) {
        ChildBuilder child = disk.child;
        Heard signal = disk.workflowId == null ? null : signals.get(disk.workflowId);
        Heard check = disk.workflowId == null ? null : checks.get(disk.workflowId);
        Instant closed = child == null ? null : child.closed;
        String status;
        String from;
        String failure = null;
        String note = null;
        JsonNode result = child == null ? null : child.result;
        boolean started = child != null || disk.startedEarlier;
        if (child != null && child.endKnownFrom != null) {
            status = child.status;
            from = child.endKnownFrom;
            failure = child.failure;
            if (CANCELED.equals(status) && signal != null && DONE.equals(signal.outcome().outcome())) {
                // Canceled after the point of no return: the SDK closes it Canceled, the disk moved.
                status = DONE;
                from = FROM_CLOSE_EVENT + " and " + FROM_SIGNAL;
                failure = "closed Canceled, but the cancel came after the point of no return: the disk moved";
            }
        } else if (signal != null) {
            status = signal.outcome().outcome();
            from = FROM_SIGNAL;
            failure = signal.outcome().message();
            closed = signal.at();
        } else if (check != null) {
            status = check.outcome().outcome();
            from = FROM_CHECK;
            failure = check.outcome().message();
            closed = check.at();
        } else if (started) {
            status = child != null && child.started == null ? STARTING : RUNNING;
            from = null;
        } else if (refusedByResolve.containsKey(key(disk.request))) {
            status = REFUSED;
            from = FROM_RESOLVE;
            failure = refusedByResolve.get(key(disk.request));
        } else if (failureLine != null) {
            status = failureLine.startsWith(REFUSED + ":") ? REFUSED : FAILED;
            from = FROM_FLEET_RESULT;
            failure = failureLine;
        } else {
            status = NOT_STARTED;
            from = null;
        }
        if (started && result == null && disk.workflowId != null) {
            note = (RUNNING.equals(status) || STARTING.equals(status) ? "its steps so far" : "its steps and checksum")
                    + ": blockshift audit " + disk.workflowId;
        }
        boolean asRequested = disk.request != null;
        MigrateDiskRequest in = asRequested ? disk.request : child == null ? null : child.request;
        JsonNode inJson = asRequested ? disk.json : child == null ? null : child.json;
        return new Child(disk.workflowId, status, child == null ? null : child.started, closed, inJson, result, failure,
                disk.index, in == null ? null : in.domain, in == null ? null : in.disk, in == null ? null : in.target,
                in == null || noHost(in.host) ? null : in.host, child == null ? null : child.run,
                child != null && child.runId != null ? child.runId : disk.carriedRunId, from, checksumOf(result), note);
    }

    /**
     * {@code disks} with each started disk whose result the fleet's chain lacks completed from
     * {@code ownReport}, the child's own report (null when its history cannot be read): its result,
     * checksum and, if the fleet never heard of its end, how it ended.
     */
    static List<Child> completedFromOwnHistories(List<Child> disks, Function<Child, AuditReport> ownReport) {
        List<Child> completed = new ArrayList<>();
        for (Child c : disks) {
            AuditReport own = c.workflowId() == null || c.runId() == null || c.result() != null ? null : ownReport.apply(c);
            if (own == null) {
                completed.add(c);
                continue;
            }
            boolean endUnknown = RUNNING.equals(c.status()) || STARTING.equals(c.status());
            boolean ended = own.closed() != null;
            String status = endUnknown && ended ? switch (own.status()) {
                case HistoryReader.COMPLETED -> DONE;
                case HistoryReader.CANCELED -> CANCELED;
                default -> FAILED;
            } : c.status();
            completed.add(new Child(c.workflowId(), status, c.started(), endUnknown ? own.closed() : c.closed(), c.input(),
                    own.result(), endUnknown && ended ? own.failure() : c.failure(), c.index(), c.domain(), c.disk(),
                    c.target(), c.host(), c.run(), c.runId(), endUnknown && ended ? FROM_OWN_HISTORY : c.endKnownFrom(),
                    checksumOf(own.result()), own.result() != null ? null : c.note()));
        }
        return completed;
    }

    /** The checksum in a {@code MigrateDisk} result, or null. */
    static String checksumOf(JsonNode result) {
        MigrateDiskResult migrated = PayloadReader.as(result, MigrateDiskResult.class);
        return migrated == null ? null : migrated.checksum();
    }

    /** What identifies a requested disk before it is resolved: as it was asked for. */
    private static String key(MigrateDiskRequest request) {
        if (request == null) {
            return "";
        }
        return String.join("\u0000", text(request.domain), text(request.disk), text(request.target),
                noHost(request.host) ? "" : request.host);
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    /** A child workflow as the run that initiated it saw it. */
    static final class ChildBuilder {
        final String workflowId;
        final MigrateDiskRequest request;
        final JsonNode json;
        final int run;
        String runId;
        Instant started;
        Instant closed;
        String status = STARTING;
        String endKnownFrom;
        JsonNode result;
        String failure;

        private ChildBuilder(String workflowId, MigrateDiskRequest request, JsonNode json, int run) {
            this.workflowId = workflowId;
            this.request = request;
            this.json = json;
            this.run = run;
        }

        void started(Instant at, String runId) {
            this.started = at;
            this.status = RUNNING;
            this.runId = runId;
        }

        /** Its close event: {@code status} in the fleet's words ({@link Outcome}). */
        void closed(Instant at, Outcome status, JsonNode result, String failure) {
            this.closed = at;
            this.status = status.wire();
            this.result = result;
            this.failure = failure;
            this.endKnownFrom = FROM_CLOSE_EVENT;
        }
    }

    /** One disk of a fleet while the chain is read: as requested, then the child that migrated it. */
    private static final class DiskBuilder {
        final Integer index;
        final MigrateDiskRequest request;
        /** The request as the history recorded it (or, carried packed, as the fleet packed it). */
        final JsonNode json;
        String workflowId;
        /** Started by a run not read (it was running when the oldest run read began), and its run ID if carried. */
        boolean startedEarlier;
        String carriedRunId;
        ChildBuilder child;

        DiskBuilder(Integer index, MigrateDiskRequest request, JsonNode json) {
            this.index = index;
            this.request = request;
            this.json = json;
        }

        /** A {@code FleetDisk} the fleet carried into the next run, {@code running} or waiting to start. */
        static DiskBuilder of(FleetDisk carried, boolean running) {
            DiskBuilder disk = new DiskBuilder(carried.index(), carried.request(), PayloadReader.json(carried.request()));
            disk.workflowId = carried.workflowId();
            disk.startedEarlier = running;
            disk.carriedRunId = carried.runId();
            return disk;
        }
    }
}
