package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A shut-off domain's disk: hold A and claim B, clone, define the domain on B, clean up; no
 * snapshot and no block job. Until the define a failure or a cancel rolls back (B and the claim go).
 */
class MigrateDiskShutOffTest extends MigrateDiskTestBase {

    /** Recorded by {@link #recordHistory()}; replayed by {@link #theRecordedShutOffMoveReplays()}. */
    static final String HISTORY = "histories/migrate-disk-shut-off.json";
    static final String ROLLED_BACK_HISTORY = "histories/migrate-disk-shut-off-rolled-back-at-define.json";

    @BeforeEach
    void theDomainIsShutOff() {
        doReturn(Fixtures.SHUT_OFF_PLAN).when(activities).preflight(any());
        // Until the define took, the (persistent) disk is on A.
        doReturn(Layer.SOURCE).when(activities).activeLayer(any());
    }

    @Test
    void aShutOffDomainMovesByHoldCloneDefineAndCleanupWithNoSnapshotOrBlockJob() {
        MigrateDiskResult result = migrate();

        verifyCalls(Call.SHUT_OFF_PATH);
        assertEquals(Fixtures.TARGET, result.target());
        assertEquals(Fixtures.CHECKSUM, result.checksum());
        assertFalse(result.cancelIgnored());
        assertEquals(List.of("preflight", "claim", "clone", "define", "cleanup"), List.copyOf(result.stepMillis().keySet()));
        assertEquals("done", startedWorkflow().status().phase());
    }

    @Test
    void theColdPathIsBehindItsOwnVersionMarkerWhichALiveMoveNeverAsks() {
        migrate();
        assertTrue(markers().contains(MigrateDiskVersions.COLD_MOVES), markers()::toString);

        env.close();
        startEnvironment();
        MigrateDiskResult live = migrate();
        assertEquals(Fixtures.STEP_NAMES, List.copyOf(live.stepMillis().keySet()));
        assertFalse(markers().contains(MigrateDiskVersions.COLD_MOVES), markers()::toString);
    }

    static Stream<Arguments> stepsBeforeTheDefine() {
        return Stream.of(Call.HOLD_SOURCE, Call.CLONE_BASE, Call.DEFINE).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stepsBeforeTheDefine")
    void aFailureUpToTheDefineDeletesBAndReleasesAAndTheClaimLeavingTheDomainUntouched(Call failing) {
        failOn(failing, "disk full");

        ApplicationFailure failure = migrationFails("RolledBack");

        assertMessageContains(failure, "disk full", "domain vm1 is still defined on " + Fixtures.SOURCE + ", untouched");
        verifyCalls(rolledBackAt(failing));
        List<String> done = startedWorkflow().status().stepsDone();
        assertEquals("rollback", done.get(done.size() - 1));
    }

    @Test
    void aDefineThatTookBeforeItsReplyWasLostRollsForwardToTheCleanup() {
        failOn(Call.DEFINE, "libvirtd connection reset");
        doReturn(Layer.TARGET).when(activities).activeLayer(any());

        MigrateDiskResult result = migrate();

        verifyCalls(List.of(Call.PREFLIGHT, Call.HOLD_SOURCE, Call.CLONE_BASE, Call.DEFINE, Call.ACTIVE_LAYER, Call.CLEANUP));
        assertEquals(List.of("preflight", "claim", "clone", "cleanup"), List.copyOf(result.stepMillis().keySet()));
    }

    @Test
    void aVmStartedDuringTheCopyStopsTheDefineAndTheMoveRollsBackWithTheDefinesReason() {
        failOn(Call.DEFINE, "domain vm1 was started during the copy");

        ApplicationFailure failure = migrationFails("RolledBack");

        assertMessageContains(failure, "step define failed", "was started during the copy");
        verifyCalls(rolledBackAt(Call.DEFINE));
    }

    @Test
    void aCancelDuringTheCopyRollsBackAndEndsCanceled() throws Exception {
        Blocker blocker = blockOn(Call.CLONE_BASE);
        WorkflowStub workflow = startMigration();
        blocker.awaitStarted();
        workflow.cancel();
        blocker.awaitCanceled();

        WorkflowFailedException failed = workflowCloses(workflow);

        assertInstanceOf(CanceledFailure.class, failed.getCause());
        verifyCalls(rolledBackAt(Call.CLONE_BASE));
        assertEquals("canceled", startedWorkflow().status().phase());
    }

    @Test
    void theRecordedShutOffMovesReplay() throws Exception {
        Histories.replay(HISTORY, "a shut-off domain's move", List.of(MigrationActivities.DEFINE_ON_TARGET,
                "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"), MigrateDiskWorkflowImpl.class);
        Histories.replay(ROLLED_BACK_HISTORY, "a shut-off domain's move rolled back at the define", List.of(
                MigrationActivities.RELEASE_SOURCE, "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED"), MigrateDiskWorkflowImpl.class);
    }

    /** Records the histories (never over an existing file): see MigrateDiskReplayTest for the command. */
    @Test
    @EnabledIfSystemProperty(named = "blockshift.recordHistories", matches = "true")
    void recordHistories() throws Exception {
        migrate();
        Histories.record(HISTORY, client.fetchHistory(WORKFLOW_ID));

        env.close();
        startEnvironment();
        theDomainIsShutOff();
        failOn(Call.DEFINE, "domain vm1 was started during the copy");
        assertThrows(WorkflowFailedException.class, this::migrate);
        Histories.record(ROLLED_BACK_HISTORY, client.fetchHistory(WORKFLOW_ID));
    }

    /** The calls of a move whose {@code failed} step failed or was canceled: the layer check, then the undo of each step begun. */
    private static List<Call> rolledBackAt(Call failed) {
        List<Call> calls = new ArrayList<>(Call.SHUT_OFF_PATH.subList(0, Call.SHUT_OFF_PATH.indexOf(failed) + 1));
        calls.add(Call.ACTIVE_LAYER);
        if (Call.SHUT_OFF_PATH.indexOf(failed) >= Call.SHUT_OFF_PATH.indexOf(Call.CLONE_BASE)) {
            calls.add(Call.DELETE_BASE);
        }
        calls.add(Call.RELEASE_SOURCE);
        return calls;
    }

    /** The change IDs of the version markers of the migration the test ran. */
    private Set<String> markers() {
        DataConverter json = DefaultDataConverter.STANDARD_INSTANCE;
        return client.fetchHistory(WORKFLOW_ID).getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
                .map(HistoryEvent::getMarkerRecordedEventAttributes)
                .filter(m -> m.getMarkerName().equals("Version"))
                .map(m -> json.fromPayloads(0, Optional.of(m.getDetailsOrThrow("changeId")), String.class, String.class))
                .collect(Collectors.toSet());
    }
}
