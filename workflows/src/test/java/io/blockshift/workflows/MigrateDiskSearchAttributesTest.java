package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The search attributes a migration leaves for {@code temporal workflow list --query}: what was
 * asked, what preflight resolved, the cloner that ran, the phase as it changes and how it ended.
 */
class MigrateDiskSearchAttributesTest extends MigrateDiskTestBase {

    @Test
    void aDoneMigrationNamesItsDomainDiskHostPathsTheClonerThatRanAndEndsDone() {
        MigrateDiskRequest request = Fixtures.request(); // cloner: auto
        newWorkflow().migrate(request);

        assertEquals(Map.of(
                "BlockshiftDomain", Fixtures.DOMAIN,
                "BlockshiftDisk", Fixtures.DISK,
                "BlockshiftHost", "local",
                "BlockshiftSource", Fixtures.SOURCE,
                "BlockshiftTarget", Fixtures.TARGET,
                "BlockshiftCloner", Fixtures.CLONER,
                "BlockshiftPhase", "done",
                "BlockshiftOutcome", "done"), searchAttributes());
    }

    @Test
    void thePhaseIsUpsertedEachTimeItChangesAndTheClonerFromAutoToTheOneThatRan() {
        migrate();

        assertEquals(List.of("starting", "preflight", "snapshot", "clone", "overlay", "mirror", "commit", "cleanup", "done"),
                upserted("BlockshiftPhase"));
        assertEquals(List.of("auto", Fixtures.CLONER), upserted("BlockshiftCloner"));
    }

    @Test
    void aDomainAskedForByUuidIsSearchableByItsName() {
        MigrateDiskRequest request = Fixtures.request();
        request.domain = Fixtures.PLAN.domainUuid();
        newWorkflow().migrate(request);

        assertEquals(List.of(Fixtures.PLAN.domainUuid(), Fixtures.DOMAIN), upserted("BlockshiftDomain"));
        assertEquals(Fixtures.DOMAIN, searchAttributes().get("BlockshiftDomain"));
    }

    @Test
    void aMigrationRolledBackAfterAFailedMirrorEndsRolledBack() {
        Map<String, String> attributes = searchAttributesAfterFailing(Call.MIRROR, "disk full", "RolledBack");
        assertEquals("rolled-back", attributes.get("BlockshiftOutcome"));
        assertEquals("failed", attributes.get("BlockshiftPhase"));
        assertEquals(List.of("starting", "preflight", "snapshot", "clone", "overlay", "mirror", "rolling back", "failed"),
                upserted("BlockshiftPhase"));
    }

    @Test
    void aRefusedMigrationEndsRefusedWithWhatWasAskedAndNoSource() {
        Map<String, String> attributes = searchAttributesAfterFailing(Call.PREFLIGHT, "no domain vm1", "Refused");
        assertEquals("refused", attributes.get("BlockshiftOutcome"));
        assertEquals("refused", attributes.get("BlockshiftPhase"));
        assertEquals(Fixtures.DOMAIN, attributes.get("BlockshiftDomain"));
        assertEquals(Fixtures.TARGET, attributes.get("BlockshiftTarget"));
        assertEquals("auto", attributes.get("BlockshiftCloner"));
        assertEquals(null, attributes.get("BlockshiftSource"));
    }

    @Test
    void aRequestWithoutADomainIsRefusedAndLeavesTheDomainUnset() {
        MigrateDiskRequest request = Fixtures.request();
        request.domain = null;
        assertThrows(WorkflowFailedException.class, () -> newWorkflow().migrate(request));

        Map<String, String> attributes = searchAttributes();
        assertEquals("refused", attributes.get("BlockshiftOutcome"));
        assertEquals(null, attributes.get("BlockshiftDomain"));
        assertEquals(Fixtures.DISK, attributes.get("BlockshiftDisk"));
    }

    @ParameterizedTest(name = "canceled during {0}: {1}")
    @CsvSource({
            "CLONE_BASE, canceled",
            "PREFLIGHT, canceled", // canceled, not refused
            "COMMIT, done"}) // after the pivot: the migration rolls forward to the end
    void aCanceledMigrationEndsCanceledUnlessTheGuestHadMoved(Call running, String outcome) throws Exception {
        WorkflowStub workflow = cancelDuring(running);
        workflowCloses(workflow);

        Map<String, String> attributes = searchAttributes();
        assertEquals(outcome, attributes.get("BlockshiftOutcome"));
        assertEquals(outcome, attributes.get("BlockshiftPhase"));
    }

    /** Runs a migration whose {@code call} fails saying {@code message}; it must end with {@code type}. */
    private Map<String, String> searchAttributesAfterFailing(Call call, String message, String type) {
        failOn(call, message);
        migrationFails(type);
        return searchAttributes();
    }

    /** Every blockshift search attribute of the migration as the service describes it now; absent ones left out. */
    private Map<String, String> searchAttributes() {
        io.temporal.common.SearchAttributes described = client.newUntypedWorkflowStub(WORKFLOW_ID).describe()
                .getTypedSearchAttributes();
        Map<String, String> values = new HashMap<>();
        for (var key : SearchAttributes.ALL) {
            if (described.containsKey(key)) {
                values.put(key.getName(), described.get(key));
            }
        }
        return values;
    }

    /** The values {@code name} was set to, in the order of the history's upsert events. */
    private List<String> upserted(String name) {
        return client.fetchHistory(WORKFLOW_ID).getEvents().stream()
                .filter(event -> event.getEventType() == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
                .map(event -> event.getUpsertWorkflowSearchAttributesEventAttributes().getSearchAttributes()
                        .getIndexedFieldsMap().get(name))
                .filter(payload -> payload != null)
                .map(MigrateDiskSearchAttributesTest::keyword)
                .toList();
    }

    private static String keyword(Payload payload) {
        return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class);
    }
}
