package io.blockshift.client.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.audit.AuditReport.Child;
import io.blockshift.workflows.ChildExecution;
import io.blockshift.workflows.ClosedChildren;
import io.blockshift.workflows.DiskOutcome;
import io.blockshift.workflows.FleetActivities;
import io.blockshift.workflows.FleetResult;
import io.blockshift.workflows.FleetSelector;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflowImpl;
import io.blockshift.workflows.MigrateFleetRequest;
import io.blockshift.workflows.MigrateFleetWorkflow;
import io.blockshift.workflows.MigrateFleetWorkflowImpl;
import io.blockshift.workflows.ResolvedDisk;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The audit of a fleet: from the MigrateFleet histories recorded for the replay tests (one run;
 * a run whose earlier run is gone; a run that found a child terminated from outside), and from a
 * fleet run here in memory (the real workflows, stand-in activities) that continues as new after
 * every start.
 */
class FleetAuditReportTest {

    private static final String QUEUE = "fleet-audit-test";
    /** The recorded histories the workflows module replays. */
    private static final Path HISTORIES = Path.of("../workflows/src/test/resources/histories");

    @Test
    void aOneRunFleetListsEveryDiskInOrderWithTheEndItsCloseEventsRecordAndTheRefusedOneWithItsReason() throws Exception {
        AuditReport report = AuditReport.of(recorded("migrate-fleet.json"));

        assertEquals(1, report.runs().size());
        assertEquals("completed", report.status());
        List<Child> disks = report.children();
        assertEquals(List.of("vm1/vda", "vm1/vdb", "missing-vm2/vda", "vm3/vda"), disks.stream()
                .map(d -> d.domain() + "/" + d.disk()).toList());
        assertEquals(List.of(0, 1, 2, 3), disks.stream().map(Child::index).toList());
        for (int i : List.of(0, 1, 3)) {
            Child disk = disks.get(i);
            assertEquals("done", disk.status(), disk::toString);
            assertEquals("close event", disk.endKnownFrom(), disk::toString);
            assertEquals(1, disk.run());
            assertEquals(disk.target(), disk.result().path("target").asText(), "the child's result is in the history");
            assertNull(disk.note(), "nothing more to read: " + disk);
        }
        assertEquals("host1", disks.get(3).host());
        assertEquals("migrate-disk/host1/127262c4-66ab-38f1-ac32-c0a736238581/vda", disks.get(3).workflowId());
        Child refused = disks.get(2);
        assertEquals("refused", refused.status());
        assertEquals("ResolveDisks", refused.endKnownFrom());
        assertEquals("no domain named 'missing-vm2' on qemu:///system", refused.failure());
        assertNull(refused.workflowId(), "it never had a child");

        String markdown = markdown(report);
        assertTrue(markdown.contains("| # | workflow | domain | disk | target | run | status | known from | checksum or failure |"),
                markdown);
        assertTrue(markdown.contains("| 2 |  | missing-vm2 | vda | /new/vm2-vda.img |  | refused | ResolveDisks | no domain"
                + " named 'missing-vm2' on qemu:///system |"), markdown);
        assertTrue(markdown.contains("| 0 | migrate-disk/local/a8282f87-25c0-32d0-b974-2ae778942970/vda | vm1 | vda |"
                + " /new/vm1-vda.img | 1 | done | close event | no checksum (fake) |"), markdown);
        assertTrue(markdown.contains("4 disk(s): 3 done, 1 refused."), markdown);
        assertTrue(!markdown.contains("## Runs"), "one run, no table of runs: " + markdown);
    }

    @Test
    void aRunWhoseEarlierRunIsGoneListsTheDisksItCarriedOverAndTheirEndsFromTheirSignals() throws Exception {
        AuditReport report = AuditReport.of(List.of(recorded("migrate-fleet-continued.json")),
                "the run before them is no longer on the server");

        assertEquals(2, report.runs().get(0).number(), "the carried state numbers the run");
        assertEquals("completed", report.status());
        List<Child> disks = report.children();
        assertEquals(List.of(0, 1, 2), disks.stream().map(Child::index).toList());
        assertEquals(List.of("done", "done", "done"), disks.stream().map(Child::status).toList());
        assertEquals(List.of("DiskFinished signal", "DiskFinished signal", "DiskFinished signal"),
                disks.stream().map(Child::endKnownFrom).toList(), "no child closed in this run");
        assertNull(disks.get(0).run(), "started by a run not read");
        assertEquals(2, disks.get(2).run(), "vm3's disk started in this run");
        assertEquals("fd5a5132-d487-4560-b00b-8bfbcfb207a7", disks.get(2).runId());
        assertEquals("/new/vm2-vda.img", disks.get(1).target());
        for (Child disk : disks) {
            assertEquals("its steps and checksum: blockshift audit " + disk.workflowId(), disk.note());
        }
        assertEquals("2026-11-26T01:00:07.724Z", report.started().toString(), "the fleet's start, as the state carries it");

        String markdown = markdown(report);
        assertTrue(markdown.contains("| runs | 1 read (the run before them is no longer on the server)"), markdown);
        assertTrue(markdown.contains("| requested by | (not read: the first run has it) |"), markdown);
        assertTrue(markdown.contains("| earlier | done | DiskFinished signal |"), markdown);
        assertTrue(markdown.contains("3 disk(s) have their steps and checksum in their own history only: `blockshift audit"
                + " WORKFLOW_ID` shows one disk's"), markdown);
    }

    @Test
    void aChildOfAnEarlierRunTerminatedFromOutsideIsFailedByTheFleetsCheckAndTheOneStartedSinceRuns() throws Exception {
        AuditReport report = AuditReport.of(List.of(recorded("migrate-fleet-checked.json")), "not kept");

        assertEquals("continued as new", report.status());
        List<Child> disks = report.children();
        Child terminated = disks.get(0);
        assertEquals("vm1", terminated.domain());
        assertEquals("failed", terminated.status());
        assertEquals("ClosedChildren check", terminated.endKnownFrom());
        assertTrue(terminated.failure().startsWith("terminated without reporting to the fleet"), terminated.failure());
        assertEquals("665110a2-1787-4a8a-b3d2-5fbee84d21cd", terminated.runId(), "the carried run ID");
        Child next = disks.get(1);
        assertEquals("vm2", next.domain());
        assertEquals("running", next.status());
        assertEquals(2, next.run());
        assertEquals("its steps so far: blockshift audit " + next.workflowId(), next.note());
    }

    @Test
    void aFleetThatContinuesAsNewAfterEveryStartIsReadRunByRunAndEveryDiskOnceWithItsChecksumFromItsOwnHistory() {
        try (TestWorkflowEnvironment env = environment()) {
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    new MigrateDiskRequest("vm1", "vda", "/new/vm1-vda.img"),
                    new MigrateDiskRequest("missing-vm2", "vda", "/new/vm2-vda.img"),
                    new MigrateDiskRequest("vm3", "vda", "/new/vm3-vda.img")));
            request.childrenPerRun = 1;
            request.maxConcurrent = 1;
            String id = "fleet-" + UUID.randomUUID();
            FleetResult result = run(env, id, request);

            AuditReport report = AuditReport.read(env.getWorkflowClient(), id, null);

            assertEquals(result.runs(), report.runs().size(), "every run read: " + report.runs());
            assertTrue(report.runs().size() >= 3, "one run per start, and the last: " + report.runs());
            assertEquals(List.of(1, 2, 3), report.runs().stream().map(AuditReport.Run::number).toList().subList(0, 3));
            assertEquals("alice", report.memo().get("requestedBy").asText(), "from the first run");
            assertEquals("completed", report.status(), "from the last run");
            assertEquals(report.runs().get(0).started(), report.started());
            assertEquals(List.of("done", "refused", "done"), report.children().stream().map(Child::status).toList());
            assertEquals(List.of(1, 2), List.of(report.children().get(0).run(), report.children().get(2).run()),
                    "each disk names the run that started it");
            assertNotNull(report.runs().get(0).closed(), "run 1 closed when it continued as new");
            assertEquals("continued as new", report.runs().get(0).status());

            AuditReport withDisks = report.withDisksFromTheirHistories(env.getWorkflowClient());

            for (int i : List.of(0, 2)) {
                Child disk = withDisks.children().get(i);
                assertEquals("0badcafe", disk.checksum(), "from the child's own history: " + disk);
                assertNull(disk.note(), disk::toString);
            }
            assertEquals(report.children().get(0).endKnownFrom(), withDisks.children().get(0).endKnownFrom(),
                    "the end stays as the fleet knew it");

            AuditReport upToRunTwo = AuditReport.read(env.getWorkflowClient(), id, report.runs().get(1).runId());

            assertEquals(2, upToRunTwo.runs().size(), "run 2 and the run it continued from");
            assertEquals("continued as new", upToRunTwo.status());
            assertEquals(report.runs().get(1).runId(), upToRunTwo.runId());
        }
    }

    @Test
    void aDiskListedTwiceIsRefusedAsTheFleetsFailureLineSaysWithoutAChild() {
        try (TestWorkflowEnvironment env = environment()) {
            MigrateFleetRequest request = new MigrateFleetRequest(List.of(
                    new MigrateDiskRequest("vm1", "vda", "/new/vm1-vda.img"),
                    new MigrateDiskRequest("vm1", "vda", "/new/elsewhere/vm1-vda.img")));
            String id = "fleet-" + UUID.randomUUID();
            run(env, id, request);

            AuditReport report = AuditReport.read(env.getWorkflowClient(), id, null);

            Child twice = report.children().get(1);
            assertEquals("refused", twice.status(), twice::toString);
            assertEquals("fleet's failures", twice.endKnownFrom(), twice::toString);
            assertTrue(twice.failure().startsWith("refused: the same disk is listed twice in this fleet"), twice::toString);
            assertNull(twice.workflowId(), "it never had a child");
            assertEquals("done", report.children().get(0).status());
            assertTrue(markdown(report).contains("| 1 |  | vm1 | vda | /new/elsewhere/vm1-vda.img |  | refused | fleet's"
                    + " failures | refused: the same disk is listed twice"), markdown(report));
        }
    }

    @Test
    void aSelectorsFleetListsTheDisksItsExpansionFound() {
        try (TestWorkflowEnvironment env = environment()) {
            MigrateFleetRequest request = new MigrateFleetRequest();
            request.select = new FleetSelector();
            request.select.domains = "web-*";
            request.select.sourceUnder = "/old";
            request.select.targetDir = "/new";
            String id = "fleet-" + UUID.randomUUID();
            run(env, id, request);

            AuditReport report = AuditReport.read(env.getWorkflowClient(), id, null);

            assertEquals(List.of("web-1/vda:/new/web-1-vda.img", "web-2/vda:/new/web-2-vda.img"), report.children().stream()
                    .map(d -> d.domain() + "/" + d.disk() + ":" + d.target()).toList());
            assertEquals(List.of("done", "done"), report.children().stream().map(Child::status).toList());
            assertEquals(List.of(0, 1), report.children().stream().map(Child::index).toList());
        }
    }

    private static TestWorkflowEnvironment environment() {
        TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
        SearchAttributes.registerWith(env::registerSearchAttribute);
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(MigrateFleetWorkflowImpl.class, MigrateDiskWorkflowImpl.class);
        worker.registerActivitiesImplementations(new AuditReportTest.StandInActivities(), new StandInLookups(env));
        env.start();
        return env;
    }

    private static FleetResult run(TestWorkflowEnvironment env, String id, MigrateFleetRequest request) {
        MigrateFleetWorkflow fleet = env.getWorkflowClient().newWorkflowStub(MigrateFleetWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id)
                        .setMemo(Map.of("requestedBy", "alice", "reason", "array retirement")).build());
        return fleet.migrate(request, null);
    }

    /**
     * Expands any selector to web-1 and web-2, resolves any domain but those named missing-*, and
     * asks the test server about closed children.
     */
    static final class StandInLookups implements FleetActivities {
        private final TestWorkflowEnvironment env;

        StandInLookups(TestWorkflowEnvironment env) {
            this.env = env;
        }

        @Override
        public List<MigrateDiskRequest> expand(FleetSelector selector) {
            return List.of(new MigrateDiskRequest("web-1", "vda", "/new/web-1-vda.img"),
                    new MigrateDiskRequest("web-2", "vda", "/new/web-2-vda.img"));
        }

        @Override
        public List<ResolvedDisk> resolveDisks(List<MigrateDiskRequest> requests) {
            return requests.stream().map(r -> r.domain.startsWith("missing")
                    ? ResolvedDisk.refusal("no domain named '" + r.domain + "' on qemu:///system")
                    : new ResolvedDisk(UUID.nameUUIDFromBytes(r.domain.getBytes(StandardCharsets.UTF_8)).toString(),
                            r.domain, r.disk, "/old/" + r.domain + "-" + r.disk + ".img", 1L << 30, null)).toList();
        }

        @Override
        public List<DiskOutcome> closedChildren(List<ChildExecution> children) {
            return ClosedChildren.find(env.getWorkflowClient(), children);
        }
    }

    private static WorkflowExecutionHistory recorded(String name) throws Exception {
        return WorkflowExecutionHistory.fromJson(Files.readString(HISTORIES.resolve(name)));
    }

    private static String markdown(AuditReport report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.printMarkdown(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
