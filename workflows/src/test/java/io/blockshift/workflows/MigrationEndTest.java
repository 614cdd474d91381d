package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a migration's end is told: its outcome search attribute and its report to a fleet, without Temporal. */
class MigrationEndTest {

    @ParameterizedTest(name = "{0}, canceled {1}: {2}")
    @CsvSource({
            "RolledBack, false, rolled-back",
            "RolledBack, true, rolled-back",
            "Refused, false, refused",
            "Refused, true, canceled",
            "CommitIncomplete, false, failed",
            "CommitIncomplete, true, failed",
            "RollbackIncomplete, true, failed",
            "Undecided, false, failed",
            "CleanupIncomplete, true, failed",
            ", false, failed",
            ", true, canceled"})
    void theOutcomeSaysHowTheMigrationEnded(String recordedType, boolean canceled, String outcome) {
        ApplicationFailure recorded = recordedType == null ? null : ApplicationFailure.newNonRetryableFailure("why", recordedType);

        assertEquals(outcome, MigrationVisibility.outcomeOf(recorded, canceled).wire());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"canceled, canceled", "refused, refused", "failed, failed", "rolling back, failed", "mirror, failed"})
    void aFailedMigrationTellsItsFleetCanceledRefusedOrFailed(String endPhase, String reported) {
        assertEquals(reported, FleetReports.failedOutcome(DiskPhase.of(endPhase)).wire());
    }
}
