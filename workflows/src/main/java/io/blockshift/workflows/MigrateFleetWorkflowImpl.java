package io.blockshift.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * A sliding window of child {@code MigrateDisk} workflows, one per disk.
 *
 * <ul>
 *   <li>Limits: a disk starts only while fewer than {@code maxConcurrent} run overall, fewer than
 *       {@code maxPerHost} on its host and fewer than {@code maxPerTarget} into its target directory,
 *       and none of its domain: disks of one domain move one at a time. libvirt can run block jobs on
 *       different disks of a domain at once, but each snapshot takes the domain's job lock and a
 *       failure while two disks of one guest are mid-chain is harder to reason about, so serialising
 *       them is the safe choice.
 *   <li>Deduplication: each child's workflow ID is built from host, domain UUID and disk, with
 *       ALLOW_DUPLICATE reuse (a finished migration may be followed by another) and the default
 *       conflict policy (fail): a disk already being migrated by another workflow is refused, naming it.
 *   <li>Bounded history: after {@code childrenPerRun} starts (or when Temporal suggests it) the run
 *       continues as new, carrying what is left, the counters and the running children. Children
 *       are started with ABANDON so they outlive the run, and each reports its end by the
 *       {@link MigrateFleetWorkflow#DISK_FINISHED} signal to the fleet's workflow ID. A child
 *       closed from outside (terminated, timed out) never runs the code that signals, so while
 *       children of earlier runs run, the fleet asks the server about them every
 *       {@code childCheckSeconds}; whichever of the signal and the check comes first counts.
 *   <li>Pause and resume are updates; cancel is Temporal's own: the running children are canceled
 *       (each rolls back as {@code MigrateDisk} defines) and the fleet waits for them, then closes CANCELED.
 * </ul>
 *
 * <p>Disks are resolved (domain UUID, disk target dev, source size) by an activity on their host,
 * twice: once for all of them at the start, for the totals and to refuse unknown disks and
 * duplicates early; then a small batch at a time just before they start, so a run's state and the
 * input it hands the next run stay small.
 */
public class MigrateFleetWorkflowImpl implements MigrateFleetWorkflow {

    private static final Logger log = Workflow.getLogger(MigrateFleetWorkflowImpl.class);

    /** Disks per resolve activity (all of one host). */
    static final int RESOLVE_BATCH = 100;
    /** Disks the first pass resolves at a time, in parallel activities, one or more per host. */
    static final int FIRST_PASS_CHUNK = 2000;
    /** Resolved disks waiting for a place in the window; resolved this many at a time. */
    static final int LOOKAHEAD = 400;
    /** Failure lines kept for the query and the result. */
    static final int FAILURES_KEPT = 100;
    /** The host key of disks without a host. */
    static final String NO_HOST = "local";
    /** The {@code Workflow.getVersion} change of those checks: runs recorded before it waited for signals only. */
    static final String CHECKS_EARLIER_CHILDREN = "checks-earlier-children";
    /**
     * The {@code Workflow.getVersion} change that refuses the disks of a lookup that failed for good
     * (their host's libvirt unreachable, say) instead of failing the
     * whole fleet, whose running children would carry on unheard. Asked only on that path.
     */
    static final String LOOKUP_FAILURE_REFUSES = "lookup-failure-refuses";
    /**
     * The {@code Workflow.getVersion} change that refuses a disk whose target another disk of the
     * fleet already has (on the same host): the two migrations would take each other's files for their
     * own. Asked only when that happens.
     */
    static final String REFUSES_SHARED_TARGETS = "refuses-shared-targets";

    private static final ActivityOptions LOOKUPS = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumInterval(Duration.ofSeconds(30))
                    .setMaximumAttempts(10)
                    .build())
            .build();

    private FleetState state;
    private boolean pausedEarly;
    private final List<DiskOutcome> early = new ArrayList<>();
    private final Map<String, Promise<WorkflowExecution>> startedThisRun = new HashMap<>();
    private Set<Integer> skip;
    private String phase = "starting";
    /** Bumped by everything the main loop waits for. */
    private int changes;
    private int startsThisRun;
    /** Checks on children of earlier runs this run made, and whether one is waiting or under way. */
    private int checksThisRun;
    private boolean checkScheduled;
    /** {@link #CHECKS_EARLIER_CHILDREN}'s version in this run, asked once; DEFAULT_VERSION replaying a run from before. */
    private Integer checksVersion;

    @Override
    public FleetResult migrate(MigrateFleetRequest request, FleetState carried) {
        if (carried != null) {
            state = carried;
            state.unpack();
        } else {
            refuseMalformed(request);
            state = new FleetState();
            state.limits = request;
            state.startedMillis = Workflow.currentTimeMillis();
        }
        state.paused |= pausedEarly;
        skip = new HashSet<>(state.skip);
        early.forEach(this::finished);
        early.clear();
        try {
            if (carried == null) {
                List<MigrateDiskRequest> migrations = request.migrations != null ? request.migrations : expand(request.select);
                request.migrations = null;
                request.select = null;
                firstPass(migrations);
            }
            return slide();
        } catch (TemporalFailure failure) {
            if (!CancellationScope.current().isCancelRequested()) {
                throw failure;
            }
            phase = "canceling";
            log.info("the fleet was canceled: canceling {} running migration(s)", state.running.size());
            Workflow.newDetachedCancellationScope(() -> {
                cancelRunning();
                while (!state.running.isEmpty()) {
                    awaitChange();
                }
            }).run();
            phase = "canceled";
            throw failure;
        }
    }

    // ------------------------------------------------------------------ set-up

    private void refuseMalformed(MigrateFleetRequest request) {
        List<String> problems = request == null
                ? List.of("no input: pass the fleet as one JSON object, such as --input '{\"migrations\": [{\"domain\": "
                        + "\"vm1\", \"disk\": \"vda\", \"target\": \"/new/vm1-vda.img\"}]}'")
                : request.problems();
        if (!problems.isEmpty()) {
            phase = "refused";
            throw ApplicationFailure.newNonRetryableFailure(
                    "refused: " + String.join("; ", problems) + ". Nothing was changed.", "Refused");
        }
    }

    private List<MigrateDiskRequest> expand(FleetSelector selector) {
        phase = "expanding";
        List<MigrateDiskRequest> disks;
        try {
            disks = lookups(selector.host).expand(selector);
        } catch (ActivityFailure e) {
            // The lookup refuses what no disk could get past (a targetDir outside the storage roots): say only that.
            boolean refusedByLookup = e.getCause() instanceof ApplicationFailure app && "Refused".equals(app.getType());
            throw refused((refusedByLookup ? "" : "the selector could not be expanded: ") + MigrateDiskWorkflowImpl.messageOf(e), e);
        }
        if (disks.isEmpty()) {
            throw refused("the selector matches no disk: no running domain named like '" + selector.domains + "' on "
                    + selector.connectUri + " has a file-backed disk without a backing chain under " + selector.sourceUnder,
                    null);
        }
        log.info("the selector expands to {} disk(s)", disks.size());
        return disks;
    }

    /** Resolves every disk once: totals, early refusals of unknown disks, of a disk listed twice and of a target given twice. */
    private void firstPass(List<MigrateDiskRequest> migrations) {
        phase = "resolving";
        state.total = migrations.size();
        state.pending = new ArrayList<>(migrations);
        state.nextIndex = 0;
        Set<String> seen = new HashSet<>();
        Map<String, Integer> targets = new HashMap<>();
        for (int from = 0; from < migrations.size(); from += FIRST_PASS_CHUNK) {
            List<MigrateDiskRequest> chunk = migrations.subList(from, Math.min(migrations.size(), from + FIRST_PASS_CHUNK));
            List<ResolvedDisk> resolved = resolve(chunk);
            for (int i = 0; i < chunk.size(); i++) {
                int index = from + i;
                ResolvedDisk r = resolved.get(i);
                if (r.refused() != null) {
                    fail(index, chunk.get(i), "refused: " + r.refused());
                    state.skip.add(index);
                    continue;
                }
                FleetDisk disk = fleetDisk(index, chunk.get(i), r);
                if (!seen.add(disk.workflowId())) {
                    fail(index, chunk.get(i), "refused: the same disk is listed twice in this fleet (" + disk.workflowId() + ")");
                    state.skip.add(index);
                    continue;
                }
                String target = disk.hostKey() + " " + Path.of(chunk.get(i).target).normalize();
                Integer first = targets.putIfAbsent(target, index);
                if (first != null && Workflow.getVersion(REFUSES_SHARED_TARGETS, Workflow.DEFAULT_VERSION, 1) >= 1) {
                    fail(index, chunk.get(i), "refused: disk #" + first + " of this fleet has the same target "
                            + chunk.get(i).target + "; give each disk a target of its own");
                    state.skip.add(index);
                    continue;
                }
                state.bytesTotal += r.sourceSize();
            }
        }
        skip = new HashSet<>(state.skip);
    }

    // ------------------------------------------------------------------ the window

    private FleetResult slide() {
        while (true) {
            fillReady();
            if (state.stopping) {
                cancelRunning();
            } else if (!state.paused) {
                startWhatFits();
            }
            phase = state.stopping ? "stopping" : state.paused ? "paused" : "running";
            if (state.running.isEmpty() && (state.stopping || (state.ready.isEmpty() && state.pending.isEmpty()))) {
                return end();
            }
            if (startsThisRun >= state.limits.childrenPerRun
                    || ((startsThisRun > 0 || checksThisRun > 0) && Workflow.getInfo().isContinueAsNewSuggested())) {
                continueAsNew();
            }
            awaitChange();
        }
    }

    /** Waits until something the loop waits for changes, checking on children of earlier runs meanwhile. */
    private void awaitChange() {
        int seen = changes;
        checkOnEarlierChildrenSoon();
        Workflow.await(() -> changes != seen);
    }

    /**
     * Unless a check is already waiting: in {@code childCheckSeconds}, asks the server which
     * children of earlier runs have closed and counts them. It runs beside the loop (a workflow
     * thread of its own), so a slow answer holds nothing up; its end wakes the loop, which
     * schedules the next while any such child runs.
     */
    private void checkOnEarlierChildrenSoon() {
        if (checkScheduled || earlierChildren().isEmpty()) {
            return;
        }
        if (checksVersion == null) {
            checksVersion = Workflow.getVersion(CHECKS_EARLIER_CHILDREN, Workflow.DEFAULT_VERSION, 1);
        }
        if (checksVersion == Workflow.DEFAULT_VERSION) {
            return;
        }
        checkScheduled = true;
        Async.procedure(() -> {
            try {
                Workflow.sleep(Duration.ofSeconds(state.limits.childCheckSeconds));
                List<ChildExecution> children = earlierChildren();
                if (!children.isEmpty()) {
                    checksThisRun++;
                    lookups(null).closedChildren(children).forEach(this::finishedUnreported);
                }
            } catch (TemporalFailure e) {
                // On a cancel of the fleet the cancel path schedules checks of its own.
                if (!CancellationScope.current().isCancelRequested()) {
                    log.warn("could not check on the migrations earlier runs started (trying again in {} s): {}",
                            state.limits.childCheckSeconds, MigrateDiskWorkflowImpl.messageOf(e));
                }
            } finally {
                checkScheduled = false;
                changes++;
            }
        });
    }

    /** The running children an earlier run started: this run learns of their end by signal or by a check. */
    private List<ChildExecution> earlierChildren() {
        List<ChildExecution> earlier = new ArrayList<>();
        for (FleetDisk disk : state.running.values()) {
            if (!startedThisRun.containsKey(disk.workflowId())) {
                earlier.add(new ChildExecution(disk.workflowId(), disk.runId()));
            }
        }
        return earlier;
    }

    private void finishedUnreported(DiskOutcome outcome) {
        if (state.running.containsKey(outcome.workflowId())) {
            log.warn("counted {} as {}: {}", outcome.workflowId(), outcome.outcome(),
                    outcome.message() == null ? "it closed without reporting to the fleet" : outcome.message());
        }
        finished(outcome);
    }

    /** Resolves the next few disks, on their host, until the lookahead is full. */
    private void fillReady() {
        while (state.ready.size() < LOOKAHEAD && !state.pending.isEmpty() && !state.stopping) {
            List<MigrateDiskRequest> batch = state.pending.subList(0, Math.min(LOOKAHEAD, state.pending.size()));
            List<ResolvedDisk> resolved = resolve(batch);
            for (int i = 0; i < batch.size(); i++) {
                int index = state.nextIndex + i;
                if (skip.contains(index)) {
                    continue;
                }
                ResolvedDisk r = resolved.get(i);
                if (r.refused() != null) {
                    fail(index, batch.get(i), "refused: " + r.refused());
                } else {
                    state.ready.add(fleetDisk(index, batch.get(i), r));
                }
            }
            state.pending = new ArrayList<>(state.pending.subList(batch.size(), state.pending.size()));
            state.nextIndex += batch.size();
        }
    }

    private void startWhatFits() {
        Map<String, Integer> perHost = new HashMap<>();
        Map<String, Integer> perTarget = new HashMap<>();
        Set<String> domains = new HashSet<>();
        for (FleetDisk d : state.running.values()) {
            perHost.merge(d.hostKey(), 1, Integer::sum);
            perTarget.merge(d.targetDir(), 1, Integer::sum);
            domains.add(d.domainKey());
        }
        MigrateFleetRequest limits = state.limits;
        for (FleetDisk disk : new ArrayList<>(state.ready)) {
            if (state.running.size() >= limits.maxConcurrent || startsThisRun >= limits.childrenPerRun) {
                return;
            }
            if (perHost.getOrDefault(disk.hostKey(), 0) >= limits.maxPerHost
                    || perTarget.getOrDefault(disk.targetDir(), 0) >= limits.maxPerTarget
                    || domains.contains(disk.domainKey())) {
                continue;
            }
            if (state.running.containsKey(disk.workflowId())) {
                continue; // cannot happen: the first pass refused duplicates
            }
            state.ready.remove(disk);
            perHost.merge(disk.hostKey(), 1, Integer::sum);
            perTarget.merge(disk.targetDir(), 1, Integer::sum);
            domains.add(disk.domainKey());
            start(disk);
        }
    }

    private void start(FleetDisk disk) {
        state.running.put(disk.workflowId(), disk);
        startsThisRun++;
        ChildWorkflowOptions options = ChildWorkflowOptions.newBuilder()
                .setWorkflowId(disk.workflowId())
                // A disk may be migrated again once its last migration ended; never twice at once.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                // Children outlive the run that started them (continue-as-new); cancel is explicit.
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .build();
        MigrateDiskWorkflow child = Workflow.newChildWorkflowStub(MigrateDiskWorkflow.class, options);
        // Detached: the fleet's cancel reaches children only by the explicit cancel in cancelRunning().
        Workflow.newDetachedCancellationScope(() -> {
            Promise<MigrateDiskResult> result = Async.function(child::migrate, disk.request());
            startedThisRun.put(disk.workflowId(), Workflow.getWorkflowExecution(child));
            result.handle((done, failure) -> {
                finished(outcomeOf(disk, failure));
                return null;
            });
        }).run();
    }

    private static DiskOutcome outcomeOf(FleetDisk disk, RuntimeException failure) {
        if (failure == null) {
            return new DiskOutcome(disk.workflowId(), DiskOutcome.DONE, null);
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WorkflowExecutionAlreadyStarted) {
                return new DiskOutcome(disk.workflowId(), DiskOutcome.REFUSED,
                        "already being migrated by the running workflow " + disk.workflowId()
                                + "; this fleet did not start another");
            }
        }
        Throwable cause = failure instanceof ChildWorkflowFailure && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof CanceledFailure) {
            return new DiskOutcome(disk.workflowId(), DiskOutcome.CANCELED, "canceled; rolled back");
        }
        String type = cause instanceof ApplicationFailure app ? app.getType() : null;
        return new DiskOutcome(disk.workflowId(), "Refused".equals(type) ? DiskOutcome.REFUSED : DiskOutcome.FAILED,
                MigrateDiskWorkflowImpl.messageOf(cause));
    }

    /** Counts a child's end, reported by its result (children of this run) or its signal (any run). */
    private void finished(DiskOutcome outcome) {
        if (state == null) {
            early.add(outcome);
            return;
        }
        FleetDisk disk = state.running.remove(outcome.workflowId());
        if (disk == null) {
            return; // already counted: both the result and the signal report a child of this run
        }
        changes++;
        state.cancelRequested.remove(outcome.workflowId());
        switch (outcome.outcome()) {
            case DiskOutcome.DONE -> {
                state.done++;
                state.bytesDone += disk.size();
            }
            case DiskOutcome.CANCELED -> state.canceled++;
            default -> {
                fail(disk.index(), disk.request(), outcome.outcome() + ": " + outcome.message());
                if (state.limits.stopOnFailure() && !state.stopping) {
                    log.warn("{} failed and onFailure is stop: canceling the running migrations, starting no more",
                            disk.describe());
                    state.stopping = true;
                }
            }
        }
    }

    /** Asks every running child not yet asked to cancel; each rolls back as MigrateDisk defines. */
    private void cancelRunning() {
        for (String id : new ArrayList<>(state.running.keySet())) {
            if (state.cancelRequested.contains(id)) {
                continue;
            }
            state.cancelRequested.add(id);
            Promise<WorkflowExecution> started = startedThisRun.get(id);
            Workflow.newDetachedCancellationScope(() -> Async.procedure(() -> {
                if (started != null) {
                    try {
                        started.get();
                    } catch (RuntimeException notStarted) {
                        return; // it never started: its result reports that
                    }
                }
                try {
                    Workflow.newUntypedExternalWorkflowStub(id).cancel();
                } catch (TemporalFailure e) {
                    log.warn("could not cancel {}: {}", id, e.getMessage());
                }
            })).run();
        }
    }

    private void continueAsNew() {
        phase = "continuing as new";
        // Every child this run started must have started, or it might never (and never report).
        for (Promise<WorkflowExecution> started : startedThisRun.values()) {
            Workflow.await(started::isCompleted);
        }
        Workflow.await(Workflow::isEveryHandlerFinished);
        // The next run checks on these very executions, not on a later one with the same workflow ID.
        state.running.replaceAll((id, disk) -> {
            Promise<WorkflowExecution> started = startedThisRun.get(id);
            return started == null || started.getFailure() != null ? disk : disk.withRunId(started.get().getRunId());
        });
        state.skip = state.skip.stream().filter(i -> i >= state.nextIndex).toList();
        state.run++;
        log.info("run {}: {} started, {} done, {} failed, {} running; continuing as new", state.run - 1, startsThisRun,
                state.done, state.failed, state.running.size());
        state.pack();
        Workflow.newContinueAsNewStub(MigrateFleetWorkflow.class).migrate(null, state);
    }

    private FleetResult end() {
        FleetResult result = new FleetResult(state.total, state.done, state.failed, state.canceled, state.bytesDone,
                List.copyOf(state.failures), state.run);
        if (state.stopping) {
            phase = "stopped";
            throw ApplicationFailure.newNonRetryableFailure("the fleet stopped after a failure (onFailure is stop): "
                    + state.done + " of " + state.total + " disk(s) migrated, " + state.failed + " failed, "
                    + state.canceled + " canceled and rolled back, " + pendingCount() + " not started. First failure: "
                    + (state.failures.isEmpty() ? "-" : state.failures.get(0)), "FleetStopped", result);
        }
        phase = "done";
        return result;
    }

    // ------------------------------------------------------------------ pause, resume, progress

    @Override
    public FleetProgress progress() {
        if (state == null) {
            return new FleetProgress(phase, 0, 0, 0, 0, 0, 0, 0, 0, null, List.of(), List.of(), 1);
        }
        return new FleetProgress(phase, state.total, state.done, state.running.size(), state.failed, state.canceled,
                pendingCount(), state.bytesDone, state.bytesTotal, eta(), List.copyOf(state.running.keySet()),
                List.copyOf(state.failures), state.run);
    }

    private int pendingCount() {
        return state.total - state.done - state.failed - state.canceled - state.running.size();
    }

    /** Seconds left at the rate so far: deterministic, from workflow time and bytes done. */
    private Long eta() {
        long elapsed = Workflow.currentTimeMillis() - state.startedMillis;
        if (state.bytesDone <= 0 || elapsed <= 0) {
            return null;
        }
        long left = Math.max(0, state.bytesTotal - state.bytesDone);
        return (long) Math.ceil(left * (elapsed / 1000.0) / state.bytesDone);
    }

    @Override
    public FleetProgress pause() {
        if (state == null) {
            pausedEarly = true;
        } else {
            state.paused = true;
        }
        // The main loop sets the phase when it next wakes; the update's answer must say it already.
        if ("running".equals(phase)) {
            phase = "paused";
        }
        changes++;
        log.info("paused: no more disks start until resume");
        return progress();
    }

    @Override
    public void validatePause() {
        refuseWhenEnding("pause");
        if (pausedEarly || (state != null && state.paused)) {
            throw new IllegalStateException("the fleet is already paused; resume it with the resume update");
        }
    }

    @Override
    public FleetProgress resume() {
        pausedEarly = false;
        if (state != null) {
            state.paused = false;
        }
        if ("paused".equals(phase)) {
            phase = "running";
        }
        changes++;
        log.info("resumed");
        return progress();
    }

    @Override
    public void validateResume() {
        refuseWhenEnding("resume");
        if (!pausedEarly && (state == null || !state.paused)) {
            throw new IllegalStateException("the fleet is not paused");
        }
    }

    private void refuseWhenEnding(String what) {
        if (List.of("canceling", "canceled", "stopped", "done", "refused").contains(phase) || (state != null && state.stopping)) {
            throw new IllegalStateException("cannot " + what + ": the fleet is " + phase);
        }
    }

    @Override
    public void diskFinished(DiskOutcome outcome) {
        finished(outcome);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Resolves {@code disks} on their hosts: one activity per host and {@link #RESOLVE_BATCH} disks,
     * all at once; the answers come back in the order of {@code disks}.
     */
    private List<ResolvedDisk> resolve(List<MigrateDiskRequest> disks) {
        Map<String, List<Integer>> byHost = new java.util.LinkedHashMap<>();
        for (int i = 0; i < disks.size(); i++) {
            String host = disks.get(i).host == null || disks.get(i).host.isBlank() ? "" : disks.get(i).host;
            byHost.computeIfAbsent(host, h -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> batches = new ArrayList<>();
        List<Promise<List<ResolvedDisk>>> answers = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> host : byHost.entrySet()) {
            List<Integer> indexes = host.getValue();
            for (int from = 0; from < indexes.size(); from += RESOLVE_BATCH) {
                List<Integer> batch = indexes.subList(from, Math.min(indexes.size(), from + RESOLVE_BATCH));
                List<MigrateDiskRequest> requests = new ArrayList<>();
                batch.forEach(i -> requests.add(disks.get(i)));
                FleetActivities lookups = lookups(host.getKey().isEmpty() ? null : host.getKey());
                batches.add(batch);
                answers.add(Async.function(lookups::resolveDisks, requests));
            }
        }
        ResolvedDisk[] resolved = new ResolvedDisk[disks.size()];
        for (int b = 0; b < batches.size(); b++) {
            List<Integer> batch = batches.get(b);
            List<ResolvedDisk> answer;
            try {
                answer = answers.get(b).get();
            } catch (ActivityFailure failure) {
                if (failure.getCause() instanceof CanceledFailure
                        || Workflow.getVersion(LOOKUP_FAILURE_REFUSES, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
                    throw failure;
                }
                String host = disks.get(batch.get(0)).host;
                String why = lookupFailure(host, failure);
                log.warn("refusing {} disk(s): {}", batch.size(), why);
                answer = Collections.nCopies(batch.size(), ResolvedDisk.refusal(why));
            }
            if (answer.size() != batch.size()) {
                throw ApplicationFailure.newNonRetryableFailure("resolveDisks answered " + answer.size() + " disks for "
                        + batch.size(), "Bug");
            }
            for (int i = 0; i < batch.size(); i++) {
                resolved[batch.get(i)] = answer.get(i);
            }
        }
        return List.of(resolved);
    }

    /** Why the disks of a lookup that failed for good are refused, and what to do about it. */
    private static String lookupFailure(String host, ActivityFailure failure) {
        return "looking the disk up" + (host != null && !host.isBlank() ? " on host " + host : "") + " failed: "
                + MigrateDiskWorkflowImpl.messageOf(failure) + "; when that is mended, start a fleet of the disks refused";
    }

    private static FleetActivities lookups(String host) {
        return Workflow.newActivityStub(FleetActivities.class, host == null || host.isBlank() ? LOOKUPS
                : ActivityOptions.newBuilder(LOOKUPS).setTaskQueue(MigrateDiskWorkflow.hostTaskQueue(host)).build());
    }

    private static FleetDisk fleetDisk(int index, MigrateDiskRequest request, ResolvedDisk r) {
        String host = request.host == null || request.host.isBlank() ? NO_HOST : request.host;
        Path parent = Path.of(request.target).normalize().getParent();
        return new FleetDisk(index, request, childWorkflowId(host, r.domainUuid(), r.diskTarget()),
                host + "/" + r.domainUuid(), host, parent == null ? "/" : parent.toString(), r.sourceSize(), null);
    }

    /** The workflow ID of the migration of one disk: the same disk always gets the same ID. */
    public static String childWorkflowId(String host, String domainUuid, String diskTarget) {
        return "migrate-disk/" + (host == null || host.isBlank() ? NO_HOST : host) + "/" + domainUuid + "/" + diskTarget;
    }

    private void fail(int index, MigrateDiskRequest request, String why) {
        state.failed++;
        if (state.failures.size() < FAILURES_KEPT) {
            state.failures.add("#" + index + " " + request.domain + "/" + request.disk + ": " + why);
        }
    }

    private ApplicationFailure refused(String message, Throwable cause) {
        phase = "refused";
        return ApplicationFailure.newNonRetryableFailureWithCause("refused: " + message + ". Nothing was changed.",
                "Refused", cause);
    }
}
