package io.blockshift.client.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.CleanupReport;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.ConvergenceReport;
import io.blockshift.workflows.Layer;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrateDiskWorkflowImpl;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.SearchAttributes;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit report of real MigrateDisk histories (the real workflow, with stand-in activities). */
class AuditReportTest {

    private static final String QUEUE = "audit-test";
    private TestWorkflowEnvironment env;
    private StandInActivities activities;

    @BeforeEach
    void start() {
        env = TestWorkflowEnvironment.newInstance();
        SearchAttributes.registerWith(env::registerSearchAttribute);
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        activities = new StandInActivities();
        worker.registerActivitiesImplementations(activities);
        env.start();
    }

    @AfterEach
    void stop() {
        env.close();
    }

    @Test
    void aMigrationsReportNamesWhoAskedWhyEveryStepAndTheChecksum() {
        run("mig-1");

        String report = markdown("mig-1");

        assertTrue(report.contains("| requested by | alice |"), report);
        assertTrue(report.contains("| reason | array retirement |"), report);
        assertTrue(report.contains("| status | completed |"), report);
        for (String activity : List.of("Preflight", "Snapshot", "CloneBase", "CreateOverlay", "MirrorToOverlay",
                "CommitOverlay", "Cleanup")) {
            assertTrue(report.contains("| " + activity + " | step |"), activity + " in " + report);
        }
        assertTrue(report.contains("\"sourceChecksum\":\"0badcafe\""), report);
        assertTrue(report.contains("\"target\" : \"/new/vm1-vda.img\""), report);
    }

    @Test
    void aRolledBackMigrationsReportShowsTheFailureAndEveryCompensation() {
        activities.failMirror = true;
        assertThrows(WorkflowFailedException.class, () -> run("mig-2"));

        AuditReport report = AuditReport.of(env.getWorkflowClient().fetchHistory("mig-2"));

        assertEquals("failed", report.status());
        assertTrue(report.failure().contains("mirror went wrong"), report.failure());
        List<String> compensations = report.steps().stream().filter(AuditReport.Step::compensation)
                .map(AuditReport.Step::activity).toList();
        assertEquals(List.of("AbortMirror", "DeleteOverlay", "DeleteBase", "RevertSnapshot"), compensations);
        AuditReport.Step mirror = report.steps().stream().filter(s -> s.activity().equals("MirrorToOverlay")).findFirst()
                .orElseThrow();
        assertEquals("failed", mirror.outcome());
        assertEquals("vm1", mirror.input().path("domainName").asText());
    }

    @Test
    void localStepsAreListedFromTheirMarkersWithTheirDurationsResultsAndFailures() {
        activities.snapshotMillis = 300;
        run("mig-3");

        AuditReport report = AuditReport.of(env.getWorkflowClient().fetchHistory("mig-3"));

        AuditReport.Step snapshot = step(report, "Snapshot");
        assertEquals("completed", snapshot.outcome());
        assertEquals(1, snapshot.attempts(), "its attempt, from the marker's meta");
        java.time.Duration took = java.time.Duration.between(snapshot.started(), snapshot.closed());
        assertTrue(took.toMillis() >= 300 && took.toMillis() < 10_000, took::toString);
        assertEquals("/old/vm1-vda.img", step(report, "Cleanup").result().path("deleted").path(0).asText());

        activities.failOverlay = true;
        assertThrows(WorkflowFailedException.class, () -> run("mig-4"));
        AuditReport failed = AuditReport.of(env.getWorkflowClient().fetchHistory("mig-4"));
        AuditReport.Step overlay = step(failed, "CreateOverlay");
        assertEquals("failed", overlay.outcome());
        assertEquals("qemu-img create failed", overlay.failure());
        assertEquals(List.of("DeleteOverlay", "DeleteBase", "RevertSnapshot"), failed.steps().stream()
                .filter(AuditReport.Step::compensation).map(AuditReport.Step::activity).toList());
    }

    @Test
    void whatABlockJobNeededToConvergeIsSaidInWordsAndNothingWhenItNeededNothing() {
        run("mig-5");
        assertTrue(!markdown("mig-5").contains("## Convergence"));

        activities.mirrorConvergence = ConvergenceReport.stalled("2026-12-03T11:00:00Z", 8 << 20)
                .writeBlocking("2026-12-03T11:00:01Z");
        run("mig-6");

        String report = markdown("mig-6");
        assertTrue(report.contains("## Convergence\n\n- MirrorToOverlay: not converging at 2026-12-03T11:00:00Z (8 MiB left"
                + " at best); restarted in write-blocking mode at 2026-12-03T11:00:01Z\n"), report);
        assertTrue(report.contains("\"writeBlockingAt\" : \"2026-12-03T11:00:01Z\""), "and in the result: " + report);
    }

    private static AuditReport.Step step(AuditReport report, String activity) {
        return report.steps().stream().filter(s -> s.activity().equals(activity)).findFirst().orElseThrow(
                () -> new AssertionError(activity + " not in " + report.steps()));
    }

    private void run(String workflowId) {
        MigrateDiskWorkflow workflow = env.getWorkflowClient().newWorkflowStub(MigrateDiskWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(workflowId)
                        .setMemo(Map.of("requestedBy", "alice", "reason", "array retirement")).build());
        workflow.migrate(new MigrateDiskRequest("vm1", "vda", "/new/vm1-vda.img"));
    }

    private String markdown(String workflowId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditReport.of(env.getWorkflowClient().fetchHistory(workflowId)).printMarkdown(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Answers as the real activities would for a healthy VM, or fails the mirror when asked. */
    static final class StandInActivities implements MigrationActivities {
        volatile boolean failMirror;
        volatile boolean failOverlay;
        volatile long snapshotMillis;
        volatile ConvergenceReport mirrorConvergence;
        private final MigrationPlan plan = new MigrationPlan("qemu:///system", "vm1", "6f1c2d3e-0000-4000-8000-000000000001",
                true, "vda", "/old/vm1-vda.img", "raw", 1L << 30, 1L << 28, "/new/vm1-vda.img.blockshift-top.qcow2",
                "/new/vm1-vda.img", "/new/vm1-vda.img.blockshift-partial", "/new/vm1-vda.img.blockshift-overlay.qcow2",
                "sparse", "auto: sparse", 0, false, false, false);

        @Override
        public MigrationPlan preflight(MigrateDiskRequest request) {
            return plan;
        }

        @Override
        public void snapshot(MigrationPlan plan) {
            try {
                Thread.sleep(snapshotMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void revertSnapshot(MigrationPlan plan) {
        }

        @Override
        public CloneReport cloneBase(MigrationPlan plan) {
            return new CloneReport("sparse", "auto: sparse", 1L << 30, 1L << 28, 0, "crc32c", "0badcafe", "0badcafe");
        }

        @Override
        public void deleteBase(MigrationPlan plan) {
        }

        @Override
        public void createOverlay(MigrationPlan plan) {
            if (failOverlay) {
                throw ApplicationFailure.newNonRetryableFailure("qemu-img create failed", "CommandFailed");
            }
        }

        @Override
        public void deleteOverlay(MigrationPlan plan) {
        }

        @Override
        public BlockJobReport mirrorToOverlay(MigrationPlan plan) {
            if (failMirror) {
                throw ApplicationFailure.newNonRetryableFailure("mirror went wrong", "BlockJobFailed");
            }
            return new BlockJobReport("copy", 1 << 20, 12, 1, false, mirrorConvergence);
        }

        @Override
        public void abortMirror(MigrationPlan plan) {
        }

        @Override
        public Layer activeLayer(MigrationPlan plan) {
            return Layer.TOP;
        }

        @Override
        public BlockJobReport commitOverlay(MigrationPlan plan) {
            return new BlockJobReport("active-commit", 1 << 20, 10, 1, false);
        }

        @Override
        public CleanupReport cleanup(MigrationPlan plan) {
            return new CleanupReport(List.of("/old/vm1-vda.img"), List.of(), List.of());
        }

        @Override
        public void holdSource(MigrationPlan plan) {
        }

        @Override
        public void releaseSource(MigrationPlan plan) {
        }

        @Override
        public void defineOnTarget(MigrationPlan plan) {
        }
    }
}
