package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FleetFailureTest {

    @Test
    void aResultLineReadsBackAsTheFailureThatWroteIt() {
        FleetFailure failure = new FleetFailure(7, "web-1", "vda", "refused: no such disk. Nothing was changed.");
        assertEquals("#7 web-1/vda: refused: no such disk. Nothing was changed.", failure.line());
        assertEquals(failure, FleetFailure.parse(failure.line()));
    }

    @Test
    void aDiskNamedByItsPathKeepsThePathWhole() {
        FleetFailure failure = new FleetFailure(0, "web-1", "/srv/old/web-1-vda.img", "step clone failed");
        assertEquals(failure, FleetFailure.parse(failure.line()));
    }

    @Test
    void aLineThatIsNoFailureIsNone() {
        assertNull(FleetFailure.parse("terminated"));
        assertNull(FleetFailure.parse(null));
    }
}
