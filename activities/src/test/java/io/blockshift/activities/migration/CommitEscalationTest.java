package io.blockshift.activities.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.migration.CommitEscalation.GiveUp;
import io.blockshift.activities.migration.CommitEscalation.Lift;
import io.blockshift.activities.migration.CommitEscalation.Limit;
import org.junit.jupiter.api.Test;

class CommitEscalationTest {

    private static final long MIB = 1 << 20;

    @Test
    void aLimitedJobIsLiftedFirstThenTheGuestLimitedToAQuarterOfTheCopyThenHalvedDownToTheFloorThenGivenUp() {
        CommitEscalation escalation = new CommitEscalation(false);

        assertEquals(new Lift(), escalation.next(4 * MIB, null));
        assertEquals(new Limit(50 * MIB), escalation.next(200 * MIB, null));
        assertEquals(new Limit(25 * MIB), escalation.next(180 * MIB, null), "halved, whatever the copy did");
        for (long expected : new long[] {12 * MIB + MIB / 2, 6 * MIB + MIB / 4, 3 * MIB + MIB / 8, MIB + MIB / 2 + MIB / 16,
                MIB}) {
            assertEquals(new Limit(expected), escalation.next(0, null));
        }
        GiveUp giveUp = assertInstanceOf(GiveUp.class, escalation.next(0, null));
        assertTrue(giveUp.why().contains("held to 1 MiB/s"), giveUp.why());
    }

    @Test
    void aJobWithNoLimitGoesStraightToLimitingTheGuestNeverUnderTheFloor() {
        CommitEscalation escalation = new CommitEscalation(true);

        assertEquals(new Limit(MIB), escalation.next(2 * MIB, null), "a quarter of 2 MiB/s is under the floor");
        assertInstanceOf(GiveUp.class, escalation.next(2 * MIB, null));
    }

    @Test
    void aDiskInAThrottleGroupIsNeverLimited() {
        CommitEscalation escalation = new CommitEscalation(false);

        assertEquals(new Lift(), escalation.next(4 * MIB, "shared"));
        GiveUp giveUp = assertInstanceOf(GiveUp.class, escalation.next(400 * MIB, "shared"));
        assertTrue(giveUp.why().contains("throttle group 'shared'"), giveUp.why());
    }
}
