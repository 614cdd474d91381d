package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Failures: rolled back before the pivot, rolled forward after it. */
class MigrateDiskRollbackTest extends MigrateDiskTestBase {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.blockshift.workflows.Fixtures#stepsBeforePivot")
    void failureBeforePivotRunsCompensationsOfStartedStepsInReverseAndFailsAsRolledBack(Call failing) {
        failOn(failing, "disk full");

        ApplicationFailure failure = migrationFails("RolledBack");

        assertMessageContains(failure, "disk full", "the guest runs on " + Fixtures.SOURCE + " alone");
        verifyCalls(Fixtures.callsOfRollBackAt(failing));
    }

    @Test
    void statusAfterRollBackSaysFailedAndListsTheRollBack() {
        failOn(Call.CREATE_OVERLAY, "disk full");
        migrationFails("RolledBack");

        MigrationStatus status = startedWorkflow().status();

        assertEquals("failed", status.phase());
        assertEquals(List.of("preflight", "snapshot", "clone", "rollback"), status.stepsDone());
    }

    @Test
    void mirrorFailureAfterPivotRollsForwardThroughCommitAndCleanup() {
        failOn(Call.MIRROR, "pivot reply lost");
        doReturn(Layer.OVERLAY).when(activities).activeLayer(any());

        MigrateDiskResult result = migrate();

        verifyCalls(Call.ROLLED_FORWARD_AFTER_MIRROR);
        assertEquals(Fixtures.TARGET, result.target());
        assertFalse(result.cancelIgnored());
        List<String> stepsRun = new ArrayList<>(Fixtures.STEP_NAMES);
        stepsRun.remove("mirror");
        assertEquals(stepsRun, List.copyOf(result.stepMillis().keySet()));
    }

    @Test
    void commitFailingForGoodFailsAsCommitIncompleteNamingTheOverlayAndTheCommandToFinish() {
        failOn(Call.COMMIT, "block job vanished");

        ApplicationFailure failure = migrationFails("CommitIncomplete");

        assertMessageContains(failure, "the guest runs on " + Fixtures.OVERLAY, "block job vanished",
                "virsh blockcommit vm1 vda --active --shallow --pivot --wait");
        verifyCalls(Call.HAPPY_PATH.subList(0, Call.HAPPY_PATH.indexOf(Call.CLEANUP)));
    }

    @Test
    void cleanupFailingForGoodFailsAsCleanupIncompleteSayingTheGuestRunsOnTheTargetAndWhatToDelete() {
        failOn(Call.CLEANUP, "permission denied deleting " + Fixtures.SOURCE);

        ApplicationFailure failure = migrationFails("CleanupIncomplete");

        assertMessageContains(failure, "the migration is done: the guest runs on " + Fixtures.TARGET + " alone",
                "permission denied", "Delete by hand whichever of these is left: " + Fixtures.SOURCE);
        verifyCalls(Call.HAPPY_PATH);
        MigrationStatus status = startedWorkflow().status();
        assertEquals("failed", status.phase());
        assertEquals("CleanupIncomplete", status.failureType());
    }

    @Test
    void commitFailingRetryablyIsTriedTwentyTimesBeforeCommitIncomplete() {
        doThrow(ApplicationFailure.newFailure("QEMU busy", "Busy")).when(activities).commitOverlay(any());

        migrationFails("CommitIncomplete");

        verify(activities, times(20)).commitOverlay(Fixtures.PLAN);
    }

    @Test
    void compensationFailingFailsAsRollbackIncompleteAndTheOtherCompensationsStillRun() {
        failOn(Call.MIRROR, "disk full");
        failOn(Call.DELETE_OVERLAY, "overlay busy");

        ApplicationFailure failure = migrationFails("RollbackIncomplete");

        assertMessageContains(failure, "step mirror failed (disk full)", "rolling back did not finish", "overlay busy",
                "virsh domblklist vm1 --details");
        // The compensations after the failed one still run: the guest is put back onto A above all.
        verifyCalls(Fixtures.callsOfRollBackAt(Call.MIRROR));
    }

    @Test
    void undecidableLayerAfterMirrorFailureNeitherRollsBackNorForward() {
        failOn(Call.MIRROR, "disk full");
        failOn(Call.ACTIVE_LAYER, "libvirtd unreachable");

        ApplicationFailure failure = migrationFails("Undecided");

        assertMessageContains(failure, "step mirror failed (disk full)", "libvirtd unreachable",
                "neither rolled back nor forward", "virsh domblklist vm1 --details");
        verifyCalls(Call.ROLLED_FORWARD_AFTER_MIRROR.subList(0, Call.ROLLED_FORWARD_AFTER_MIRROR.indexOf(Call.ACTIVE_LAYER) + 1));
    }
}
