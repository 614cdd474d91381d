package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The {@code Workflow.getVersion} change IDs are wire strings too: a workflow in flight recorded
 * them in its history, and a renamed one sends it down the older branch on replay. Four of them
 * are asked only on rare paths no recorded history took, so only this test holds their names.
 */
class VersionChangeIdsTest {

    static final List<String> CHANGE_IDS = List.of(
            MigrateDiskVersions.HOSTS_AND_FLEETS, MigrateDiskVersions.SEARCH_ATTRIBUTES,
            MigrateDiskVersions.CLEANUP_INCOMPLETE, MigrateDiskVersions.LOCAL_STEPS, MigrateDiskVersions.COLD_MOVES,
            MigrateFleetVersions.CHECKS_EARLIER_CHILDREN, MigrateFleetVersions.LOOKUP_FAILURE_REFUSES,
            MigrateFleetVersions.REFUSES_SHARED_TARGETS, MigrateFleetVersions.CHILDREN_ON_HOST_QUEUES);

    @Test
    void theChangeIdsAreTheOnesWorkflowsInFlightRecorded() {
        assertEquals(List.of("hosts-and-fleets", "search-attributes", "cleanup-incomplete", "local-steps", "cold-moves",
                "checks-earlier-children", "lookup-failure-refuses", "refuses-shared-targets", "children-on-host-queues"),
                CHANGE_IDS);
    }

    @Test
    void everyMarkerInTheRecordedHistoriesIsOneOfThemAtVersionOne() throws Exception {
        Set<String> recorded = new TreeSet<>();
        for (String history : Histories.under(Histories.ROOT)) {
            Histories.versionMarkers(Histories.ROOT + "/" + history).forEach((changeId, version) -> {
                assertEquals(1, version, history + ": " + changeId);
                recorded.add(changeId);
            });
        }
        assertTrue(CHANGE_IDS.containsAll(recorded), recorded::toString);
        assertEquals(Set.of(MigrateDiskVersions.HOSTS_AND_FLEETS, MigrateDiskVersions.SEARCH_ATTRIBUTES,
                MigrateDiskVersions.LOCAL_STEPS, MigrateDiskVersions.COLD_MOVES, MigrateFleetVersions.CHECKS_EARLIER_CHILDREN,
                MigrateFleetVersions.CHILDREN_ON_HOST_QUEUES), recorded, "the changes some recorded history took");
    }
}
