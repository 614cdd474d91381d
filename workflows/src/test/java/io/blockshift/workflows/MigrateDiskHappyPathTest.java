package io.blockshift.workflows;

import static io.blockshift.workflows.Fixtures.CHECKSUM;
import static io.blockshift.workflows.Fixtures.CLONER;
import static io.blockshift.workflows.Fixtures.DISK;
import static io.blockshift.workflows.Fixtures.DOMAIN;
import static io.blockshift.workflows.Fixtures.PLAN;
import static io.blockshift.workflows.Fixtures.SOURCE;
import static io.blockshift.workflows.Fixtures.TARGET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.mockito.Mockito.doReturn;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowStub;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrateDiskHappyPathTest extends MigrateDiskTestBase {

    @Test
    void runsEveryStepOnceInOrderWithoutCompensation() {
        migrate();

        verifyCalls(Call.HAPPY_PATH);
    }

    @Test
    void resultDescribesTheMigrationWithVerifiedChecksumAndStepTimesInOrder() {
        MigrateDiskResult result = migrate();

        assertEquals(DOMAIN, result.domain());
        assertEquals(DISK, result.disk());
        assertEquals(SOURCE, result.source());
        assertEquals(TARGET, result.target());
        assertEquals(CLONER, result.cloner());
        assertEquals(PLAN.clonerReason(), result.clonerReason());
        assertEquals(Fixtures.CLONE.bytesCopied(), result.bytesCopied());
        assertEquals("xxh3", result.checksumAlgorithm());
        assertEquals(CHECKSUM, result.checksum());
        assertFalse(result.sourceKept());
        assertFalse(result.cancelIgnored());
        assertEquals(Fixtures.STEP_NAMES, List.copyOf(result.stepMillis().keySet()));
    }

    @Test
    void resultHasNoChecksumWhenSourceAndTargetChecksumsDiffer() {
        doReturn(Fixtures.clone(CHECKSUM, "deadbeef")).when(activities).cloneBase(PLAN);

        MigrateDiskResult result = migrate();

        assertNull(result.checksum());
        assertNull(result.checksumAlgorithm());
    }

    @Test
    void statusQueryReportsPhaseStepsDoneAndPlanWhileAStepRuns() throws Exception {
        Blocker clone = blockOn(Call.CLONE_BASE);
        WorkflowStub workflow = startMigration();
        clone.awaitStarted();

        MigrationStatus during = workflow.query("status", MigrationStatus.class);
        assertEquals("clone", during.phase());
        assertEquals(List.of("preflight", "snapshot"), during.stepsDone());
        assertEquals(PLAN, during.plan());

        clone.release();
        workflow.getResult(MigrateDiskResult.class);
        MigrationStatus after = workflow.query("status", MigrationStatus.class);
        assertEquals("done", after.phase());
        assertEquals(Fixtures.STEP_NAMES, after.stepsDone());
    }
}
