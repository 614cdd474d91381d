package io.blockshift.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/** The fleet's lookups ({@link FleetActivities}), each on the host of the disks it looks at. */
final class FleetLookups {

    private static final Logger log = Workflow.getLogger(FleetLookups.class);

    /** Disks per resolve activity (all of one host). */
    static final int RESOLVE_BATCH = 100;

    private static final ActivityOptions LOOKUPS = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumInterval(Duration.ofSeconds(30))
                    .setMaximumAttempts(10)
                    .build())
            .build();

    private FleetLookups() {
    }

    /** The lookups on {@code host}'s task queue, or on the workflow's own when it names none. */
    static FleetActivities on(String host) {
        return Workflow.newActivityStub(FleetActivities.class, !Hosts.isNamed(host) ? LOOKUPS
                : ActivityOptions.newBuilder(LOOKUPS).setTaskQueue(MigrateDiskWorkflow.hostTaskQueue(host)).build());
    }

    /**
     * Resolves {@code disks} on their hosts: one activity per host and {@link #RESOLVE_BATCH} disks,
     * all at once; the answers come back in the order of {@code disks}. The disks of a lookup that
     * failed for good come back refused, saying why.
     */
    static List<ResolvedDisk> resolve(List<MigrateDiskRequest> disks) {
        Map<String, List<Integer>> byHost = new LinkedHashMap<>();
        for (int i = 0; i < disks.size(); i++) {
            String host = Hosts.isNamed(disks.get(i).host) ? disks.get(i).host : "";
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
                FleetActivities lookups = on(host.getKey().isEmpty() ? null : host.getKey());
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
                if (failure.getCause() instanceof CanceledFailure || !MigrateFleetVersions.lookupFailureRefuses()) {
                    throw failure;
                }
                String why = lookupFailure(disks.get(batch.get(0)).host, failure);
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
        return "looking the disk up" + (Hosts.isNamed(host) ? " on host " + host : "") + " failed: "
                + MigrationFailures.messageOf(failure) + "; when that is mended, start a fleet of the disks refused";
    }
}
