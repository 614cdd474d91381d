package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fleet's progress and its estimate of the time left, without Temporal. */
class FleetProgressTest {

    private static FleetState state() {
        FleetState state = new FleetState();
        state.total = 10;
        state.done = 4;
        state.failed = 1;
        state.canceled = 1;
        state.running.put("a", running("a"));
        state.running.put("b", running("b"));
        state.bytesDone = 4_000;
        state.bytesTotal = 10_000;
        state.startedMillis = 1_000_000;
        state.failures.add(new FleetFailure(2, "vm2", "vda", "refused: no such disk").line());
        state.run = 3;
        return state;
    }

    @Test
    void countsWhatIsNeitherFinishedNorRunningAsPending() {
        assertEquals(2, FleetProgress.pending(state()));
    }

    @Test
    void estimatesTheTimeLeftAtTheRateSoFar() {
        // 4,000 bytes in 20 s: the 6,000 left take 30 s.
        assertEquals(30L, FleetProgress.etaSeconds(state(), 1_020_000));
        // Rounded up: 6,000 bytes at 4,000 per 1.001 s.
        assertEquals(2L, FleetProgress.etaSeconds(state(), 1_001_001));
    }

    @Test
    void estimatesNothingBeforeTheFirstByteOrTheFirstMillisecond() {
        FleetState none = state();
        none.bytesDone = 0;
        assertNull(FleetProgress.etaSeconds(none, 1_020_000));
        assertNull(FleetProgress.etaSeconds(state(), 1_000_000));
    }

    @Test
    void answersTheQueryFromTheState() {
        assertEquals(new FleetProgress("running", 10, 4, 2, 1, 1, 2, 4_000, 10_000, 30L, List.of("a", "b"),
                List.of("#2 vm2/vda: refused: no such disk"), 3), FleetProgress.of(FleetPhase.RUNNING, state(), 1_020_000));
    }

    @Test
    void answersBeforeTheRunHasItsState() {
        assertEquals(new FleetProgress("paused", 0, 0, 0, 0, 0, 0, 0, 0, null, List.of(), List.of(), 1),
                FleetProgress.of(FleetPhase.PAUSED, null, 5));
    }

    private static FleetDisk running(String workflowId) {
        return new FleetDisk(0, new MigrateDiskRequest("vm", "vda", "/new/vm.img"), workflowId, "d/" + workflowId, "h",
                "/new", 1, null);
    }
}
