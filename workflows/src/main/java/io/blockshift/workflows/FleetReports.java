package io.blockshift.workflows;

import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * How a child tells its {@code MigrateFleet} parent that it ended. The parent continues as new, so
 * a child may outlive the run that started it; it signals the parent's workflow ID (no run ID),
 * which reaches whichever run is current. A workflow started by hand has no parent and reports nothing.
 */
public final class FleetReports {

    private static final Logger log = Workflow.getLogger(FleetReports.class);

    private static final int ATTEMPTS = 6;

    private FleetReports() {
    }

    /**
     * What a migration that failed in {@code endPhase} tells its fleet: canceled and refused as
     * they are, anything else failed (a rollback is a failure to the fleet).
     */
    static Outcome failedOutcome(DiskPhase endPhase) {
        return endPhase == DiskPhase.CANCELED ? Outcome.CANCELED
                : endPhase == DiskPhase.REFUSED ? Outcome.REFUSED : Outcome.FAILED;
    }

    /** Signals the parent, if any, even after a cancel; a parent that is gone is only logged. */
    public static void reportToParent(Outcome outcome, String message) {
        Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
        if (parent.isEmpty()) {
            return;
        }
        DiskOutcome report = DiskOutcome.of(Workflow.getInfo().getWorkflowId(), outcome, message);
        Workflow.newDetachedCancellationScope(() -> {
            for (int attempt = 1; ; attempt++) {
                try {
                    Workflow.newUntypedExternalWorkflowStub(parent.get()).signal(MigrateFleetWorkflow.DISK_FINISHED, report);
                    return;
                } catch (TemporalFailure e) {
                    // The fleet may be between two runs (continue-as-new): try again shortly.
                    if (attempt == ATTEMPTS) {
                        log.warn("could not tell the fleet {} that this migration ended ({}): {}", parent.get(), outcome,
                                e.getMessage());
                        return;
                    }
                    Workflow.sleep(Duration.ofSeconds(attempt));
                }
            }
        }).run();
    }
}
