import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.ChildExecution;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.DiskOutcome;
import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.ResolvedDisk;
import io.blockshift.workflows.SearchAttributes;
import io.blockshift.worker.BlockshiftWorker;
import io.blockshift.worker.DevServer;
import io.blockshift.worker.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A fleet of N disks whose activities take no time, run by the real MigrateFleet and MigrateDisk
 * workflows on one blockshift worker: against a dev server (blockshift's settings) and against the
 * SDK's in-memory test server. Disks per second through the window: what a fleet costs in
 * orchestration alone, and how much of that is the server's.
 *
 * Usage: java -cp ... MockedFleetRate DISKS MAX_CONCURRENT ROUNDS TEMPORAL_BINARY SCRATCH_DIR
 */
public final class MockedFleetRate {

    public static void main(String[] args) throws Exception {
        int disks = Integer.parseInt(args[0]);
        int maxConcurrent = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path binary = Path.of(args[3]);
        Path scratch = Path.of(args[4]);

        List<Double> dev = new ArrayList<>();
        try (DevServer server = DevServer.start(binary, 0, scratch.resolve("temporal.db"), false)) {
            WorkflowClient client = TemporalConnection.connect(server.target(), TemporalConnection.DEFAULT_NAMESPACE);
            for (int round = 0; round <= rounds; round++) {
                double seconds = fleet(client, disks, maxConcurrent, "dev-" + round);
                if (round > 0) { // round 0 warms the JIT
                    dev.add(seconds);
                }
            }
            client.getWorkflowServiceStubs().shutdownNow();
        }
        List<Double> memory = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
            SearchAttributes.registerWith(env::registerSearchAttribute);
            try {
                double seconds = fleet(env.getWorkflowClient(), disks, maxConcurrent, "mem-" + round);
                if (round > 0) {
                    memory.add(seconds);
                }
            } finally {
                env.close();
            }
        }
        System.out.printf("| server (%d disks, zero-time activities, maxConcurrent %d, one worker; median of %d) | seconds | disks/s |%n",
                disks, maxConcurrent, rounds);
        System.out.println("|---|---|---|");
        System.out.printf("| dev server, blockshift's settings | %.2f | %.1f |%n", median(dev), disks / median(dev));
        System.out.printf("| SDK's in-memory test server | %.2f | %.1f |%n", median(memory), disks / median(memory));
        System.out.println();
        System.out.println("all rounds, seconds: dev " + dev + "; in-memory " + memory);
    }

    /** One fleet of {@code disks} on a worker of its own; the seconds from its start to its result. */
    private static double fleet(WorkflowClient client, int disks, int maxConcurrent, String name) {
        String queue = "bs-bench-" + UUID.randomUUID();
        BlockshiftWorker worker = BlockshiftWorker.start(client, queue, null, zeroTimeSteps(), new ZeroTimeLookups(), null,
                "zero-time activities");
        try {
            List<MigrateDiskRequest> requests = new ArrayList<>();
            for (int i = 0; i < disks; i++) {
                requests.add(new MigrateDiskRequest("vm" + i, "vda", "/new/vm" + i + ".img"));
            }
            MigrateFleetRequest request = new MigrateFleetRequest(requests);
            request.maxConcurrent = maxConcurrent;
            request.maxPerHost = maxConcurrent;
            request.maxPerTarget = maxConcurrent;
            MigrateFleetWorkflow fleet = client.newWorkflowStub(MigrateFleetWorkflow.class, WorkflowOptions.newBuilder()
                    .setWorkflowId("bs-bench-fleet-" + name + "-" + UUID.randomUUID()).setTaskQueue(queue).build());
            long start = System.nanoTime();
            FleetResult result = fleet.migrate(request, null);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (result.done() != disks) {
                throw new IllegalStateException("not every disk moved: " + result);
            }
            return seconds;
        } finally {
            worker.close();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Every step answers at once, as a happy path would; the undoing steps are never called. */
    static MigrationActivities zeroTimeSteps() {
        return (MigrationActivities) Proxy.newProxyInstance(MigrationActivities.class.getClassLoader(),
                new Class<?>[] {MigrationActivities.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "preflight" -> plan((MigrateDiskRequest) args[0]);
                    case "cloneBase" -> new CloneReport("sparse", "auto: sparse", 1L << 30, 1L << 28, 0, "crc32c", "0badcafe",
                            "0badcafe");
                    case "mirrorToOverlay" -> new BlockJobReport("copy", 0, 0, 1, false);
                    case "commitOverlay" -> new BlockJobReport("commit", 0, 0, 1, false);
                    case "activeLayer" -> Layer.TARGET;
                    case "cleanup" -> new CleanupReport(List.of(), List.of(), List.of());
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "zero-time steps";
                    default -> null;
                });
    }

    private static MigrationPlan plan(MigrateDiskRequest r) {
        return new MigrationPlan("qemu:///system", r.domain, UUID.nameUUIDFromBytes(r.domain.getBytes()).toString(), true,
                r.disk, "/old/" + r.domain + ".img", "raw", 1L << 30, 1L << 28, r.target + ".blockshift-top.qcow2",
                r.target, r.target + ".blockshift-partial", r.target + ".blockshift-overlay.qcow2", "sparse",
                "auto: sparse", 0, false, false, false);
    }

    /** Every disk exists and is 1 GiB; no child has closed unseen. */
    static final class ZeroTimeLookups implements FleetActivities {
        @Override
        public List<MigrateDiskRequest> expand(FleetSelector selector) {
            return List.of();
        }

        @Override
        public List<ResolvedDisk> resolveDisks(List<MigrateDiskRequest> requests) {
            return requests.stream().map(r -> new ResolvedDisk(UUID.nameUUIDFromBytes(r.domain.getBytes()).toString(),
                    r.domain, r.disk, "/old/" + r.domain + ".img", 1L << 30, null)).toList();
        }

        @Override
        public List<DiskOutcome> closedChildren(List<ChildExecution> children) {
            return List.of();
        }
    }
}
