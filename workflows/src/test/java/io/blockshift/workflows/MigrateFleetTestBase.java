package io.blockshift.workflows;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * An in-memory Temporal service with time skipping, a worker running {@link MigrateFleetWorkflowImpl}
 * with a fake {@code MigrateDisk} child that takes {@link #childTime} of workflow time and records
 * how many of its kind run at once, and fake lookups.
 */
abstract class MigrateFleetTestBase {

    static final String FLEET_ID = "fleet-1";
    /** The hosts whose task queues the test worker serves: host0 to host19 and kvm1. */
    static final List<String> HOSTS = java.util.stream.Stream.concat(
            java.util.stream.IntStream.range(0, 20).mapToObj(i -> "host" + i), java.util.stream.Stream.of("kvm1")).toList();
    static final long DISK_SIZE = 1L << 30;

    TestWorkflowEnvironment env;
    WorkflowClient client;
    Worker worker;
    /** The children's workflow implementation, on the fleet's queue and each host's. */
    Class<?> children = FakeMigrateDisk.class;

    /**
     * How long each fake child takes, in real time (an activity that sleeps: the test service's time
     * skipping hangs with children waiting on timers, sdk-java#2392); zero returns at once.
     */
    static volatile Duration childTime = Duration.ofMillis(300);
    /** Fake children of domains with this prefix fail. */
    static final String BAD = "bad-";
    /** Lookups refuse domains with this prefix. */
    static final String MISSING = "missing-";
    /** Lookups refuse selectors whose targetDir is under this, as outside the storage roots. */
    static final String OUTSIDE_ROOTS = "/outside";
    /** Domains whose lookup fails for good, as one on a host whose libvirt cannot be reached. */
    static final String UNREACHABLE = "unreachable-";
    static final Concurrency concurrency = new Concurrency();
    static final List<String> childRequests = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startEnvironment() {
        childTime = Duration.ofMillis(300);
        concurrency.reset();
        childRequests.clear();
        env = TestWorkflowEnvironment.newInstance();
        SearchAttributes.registerWith(env::registerSearchAttribute);
        worker = env.newWorker(MigrateDiskWorkflow.TASK_QUEUE);
        worker.registerWorkflowImplementationTypes(MigrateFleetWorkflowImpl.class);
        registerChildren();
        worker.registerActivitiesImplementations(new FakeLookups(), new SleepingWork());
        // Disks with a host are looked up on that host's task queue, and their children run there.
        for (String host : HOSTS) {
            Worker onHost = env.newWorker(MigrateDiskWorkflow.hostTaskQueue(host));
            onHost.registerWorkflowImplementationTypes(children);
            onHost.registerActivitiesImplementations(new FakeLookups(), new SleepingWork());
        }
        env.start();
        client = env.getWorkflowClient();
    }

    /** The children: the fake unless a test says otherwise. */
    void registerChildren() {
        worker.registerWorkflowImplementationTypes(children);
    }

    @AfterEach
    void closeEnvironment() {
        env.close();
    }

    static MigrateDiskRequest disk(String domain, String disk, String target, String host) {
        MigrateDiskRequest r = new MigrateDiskRequest(domain, disk, target);
        r.host = host;
        return r;
    }

    static MigrateFleetRequest fleet(List<MigrateDiskRequest> migrations, int maxConcurrent, int maxPerHost,
            int maxPerTarget, String onFailure) {
        MigrateFleetRequest request = new MigrateFleetRequest(migrations);
        request.maxConcurrent = maxConcurrent;
        request.maxPerHost = maxPerHost;
        request.maxPerTarget = maxPerTarget;
        request.onFailure = onFailure;
        return request;
    }

    MigrateFleetWorkflow newFleet(String id) {
        return client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE)
                .build());
    }

    /** Disks vm0 to vm{n-1}, each vda, on no host, into /new. */
    static List<MigrateDiskRequest> localDisks(int n) {
        List<MigrateDiskRequest> disks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            disks.add(disk("vm" + i, "vda", "/new/vm" + i + ".img", null));
        }
        return disks;
    }

    /**
     * Starts a fleet of vm1 and vm2, one at a time, one child per run, checking on earlier children
     * every second, whose children take 4 minutes; returns once vm1's child runs and its run has
     * continued as new, so that run 2 learns of that child's end only by signal or by a check.
     */
    MigrateFleetWorkflow startFleetWhoseFirstChildOutlivesItsRun() throws InterruptedException {
        childTime = Duration.ofMinutes(4);
        MigrateFleetRequest request = fleet(List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk("vm2", "vda", "/new/vm2-vda.img", null)), 1, 1, 1, "continue");
        request.childrenPerRun = 1;
        request.childCheckSeconds = 1;
        MigrateFleetWorkflow fleet = startFleet(request);
        awaitChildren(1);
        while (fleet.progress().run() < 2) {
            Thread.sleep(20);
        }
        return fleet;
    }

    /** Waits until {@code n} fake children have started. */
    static void awaitChildren(int n) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (childRequests.size() < n) {
            if (System.currentTimeMillis() >= deadline) {
                throw new AssertionError("children started: " + childRequests);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Real {@code MigrateDisk} children instead of the fake, with mocked activities on the happy
     * path, each disk's plan naming its own domain and disk as a real preflight's would; returns
     * the mock for the test to change or verify (and to register on a host's task queue).
     */
    MigrationActivities registerRealChildren() {
        worker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        children = MigrateDiskWorkflowImpl.class;
        MigrationActivities activities = mock(MigrationActivities.class, withSettings().withoutAnnotations());
        for (Call call : Call.values()) {
            if (call.happyResult != null && call != Call.PREFLIGHT) {
                call.on(doReturn(call.happyResult).when(activities));
            }
        }
        doAnswer(inv -> {
            MigrateDiskRequest r = inv.getArgument(0);
            MigrationPlan p = Fixtures.PLAN;
            return new MigrationPlan(p.connectUri(), r.domain, uuidOf(r.domain), true, r.disk, "/old/" + r.domain + "-" + r.disk
                    + ".img", "raw", DISK_SIZE, DISK_SIZE, r.target + ".top.qcow2", r.target, r.target + ".partial",
                    r.target + ".overlay.qcow2", "sparse", "source is sparse", 0, false, false, false);
        }).when(activities).preflight(any());
        worker.registerActivitiesImplementations(activities);
        return activities;
    }

    /** Starts a fleet and returns its stub at once. */
    MigrateFleetWorkflow startFleet(MigrateFleetRequest request) {
        MigrateFleetWorkflow fleet = newFleet(FLEET_ID);
        WorkflowClient.start(fleet::migrate, request, null);
        return fleet;
    }

    FleetResult result(MigrateFleetWorkflow fleet) {
        return WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);
    }

    static String uuidOf(String domain) {
        return UUID.nameUUIDFromBytes(domain.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The lookups, without libvirt: every domain exists but those named missing-*; a selector's
     * targetDir under {@link #OUTSIDE_ROOTS} is refused as the real lookup refuses one outside the
     * storage roots. Children are looked up on the test service, as the real lookup does.
     */
    static final class FakeLookups implements FleetActivities {
        @Override
        public List<MigrateDiskRequest> expand(FleetSelector selector) {
            if (selector.targetDir.startsWith(OUTSIDE_ROOTS)) {
                throw ApplicationFailure.newNonRetryableFailure("'select.targetDir' " + selector.targetDir
                        + " is outside this worker's storage roots (/new); choose a targetDir inside them", "Refused");
            }
            List<MigrateDiskRequest> disks = new ArrayList<>();
            for (String domain : List.of("web-1", "web-2")) {
                for (String dev : List.of("vda", "vdb")) {
                    MigrateDiskRequest r = disk(domain, dev, selector.targetDir + "/" + domain + "-" + dev + ".img", selector.host);
                    r.connectUri = selector.connectUri;
                    disks.add(r);
                }
            }
            return disks;
        }

        @Override
        public List<ResolvedDisk> resolveDisks(List<MigrateDiskRequest> requests) {
            if (requests.stream().anyMatch(r -> r.domain.startsWith(UNREACHABLE))) {
                throw ApplicationFailure.newNonRetryableFailure("cannot connect to qemu+ssh://kvm9/system: no route to host",
                        "Libvirt");
            }
            List<ResolvedDisk> resolved = new ArrayList<>();
            for (MigrateDiskRequest r : requests) {
                resolved.add(r.domain.startsWith(MISSING)
                        ? ResolvedDisk.refusal("no domain named '" + r.domain + "' on " + r.connectUri)
                        : new ResolvedDisk(uuidOf(r.domain), r.domain, r.disk, "/old/" + r.domain + "-" + r.disk + ".img",
                                DISK_SIZE, null));
            }
            return resolved;
        }

        @Override
        public List<DiskOutcome> closedChildren(List<ChildExecution> children) {
            return ClosedChildren.find(Activity.getExecutionContext().getWorkflowClient(), children);
        }
    }

    @ActivityInterface
    public interface FakeWork {
        void work(long millis);
    }

    /** Sleeps in real time, heartbeating so that a cancel reaches it. */
    static final class SleepingWork implements FakeWork {
        @Override
        public void work(long millis) {
            long end = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < end) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                Activity.getExecutionContext().heartbeat(null);
            }
        }
    }

    /** A MigrateDisk that takes {@link #childTime}, fails for domains bad-*, and reports to its fleet. */
    public static class FakeMigrateDisk implements MigrateDiskWorkflow {
        private String phase = "starting";

        @Override
        public MigrateDiskResult migrate(MigrateDiskRequest request) {
            boolean counted = !Workflow.isReplaying();
            if (counted) {
                childRequests.add(Workflow.getInfo().getWorkflowId());
                concurrency.enter(request);
            }
            try {
                if (request.domain.startsWith(BAD)) {
                    throw ApplicationFailure.newNonRetryableFailure("step clone failed: disk full. Rolled back.", "RolledBack");
                }
                if (!childTime.isZero()) {
                    Workflow.newActivityStub(FakeWork.class, ActivityOptions.newBuilder()
                            .setStartToCloseTimeout(Duration.ofMinutes(5))
                            .setHeartbeatTimeout(Duration.ofSeconds(5))
                            .setCancellationType(ActivityCancellationType.TRY_CANCEL)
                            .build()).work(childTime.toMillis());
                }
            } catch (TemporalFailure e) {
                phase = e instanceof io.temporal.failure.CanceledFailure || e.getCause() instanceof io.temporal.failure.CanceledFailure
                        ? "canceled" : "failed";
                if (counted) {
                    concurrency.leave(request);
                }
                FleetReports.reportToParent(phase.equals("canceled") ? Outcome.CANCELED : Outcome.FAILED,
                        MigrationFailures.messageOf(e));
                throw e;
            }
            if (counted) {
                concurrency.leave(request);
            }
            phase = "done";
            FleetReports.reportToParent(Outcome.DONE, null);
            return new MigrateDiskResult(request.domain, request.disk, "/old", request.target, "fake", "fake", DISK_SIZE,
                    null, null, false, new LinkedHashMap<>(), false);
        }

        @Override
        public MigrationStatus status() {
            return new MigrationStatus(phase, List.of(), null, null, null, null);
        }
    }

    /** How many fake children ran at once: overall, per host, per target directory, per domain. */
    static final class Concurrency {
        private final Map<String, AtomicInteger> now = new ConcurrentHashMap<>();
        private final Map<String, Integer> max = new ConcurrentHashMap<>();

        synchronized void enter(MigrateDiskRequest r) {
            for (String key : keys(r)) {
                int n = now.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                max.merge(key, n, Math::max);
            }
        }

        synchronized void leave(MigrateDiskRequest r) {
            for (String key : keys(r)) {
                now.get(key).decrementAndGet();
            }
        }

        private static List<String> keys(MigrateDiskRequest r) {
            return List.of("all", "host:" + (r.host == null ? "local" : r.host),
                    "target:" + Path.of(r.target).getParent(), "domain:" + r.domain);
        }

        synchronized void reset() {
            now.clear();
            max.clear();
        }

        /** The highest count seen per key. */
        synchronized Map<String, Integer> max() {
            return new HashMap<>(max);
        }

        synchronized int max(String key) {
            return max.getOrDefault(key, 0);
        }

        /** The highest count over the keys starting with {@code prefix}. */
        synchronized int maxOf(String prefix) {
            return max.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(Map.Entry::getValue).max().orElse(0);
        }
    }
}
