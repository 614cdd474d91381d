package io.blockshift.activities.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressWatermarkTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MIB = 1 << 20;

    private final ProgressWatermark watermark = new ProgressWatermark(Duration.ofSeconds(10));

    @Test
    void aJobWhoseRemainderFallsWithEveryLookConvergesHoweverSlowly() {
        for (int second = 1; second <= 600; second++) {
            assertTrue(watermark.converging(second, 1000, second * SECOND), "at " + second + " s");
        }
        assertEquals(400, watermark.lowest());
    }

    @Test
    void aRemainderThatSetsNoNewMinimumForAWholeWindowIsNotConverging() {
        assertTrue(watermark.converging(1, 8 * MIB, 0));
        // The guest dirties what is copied: the remainder wanders above its lowest.
        for (int second = 1; second < 10; second++) {
            assertTrue(watermark.converging(second * 4 * MIB, 8 * MIB + second * 4 * MIB + (second % 2) * MIB,
                    second * SECOND), "within the window, at " + second + " s");
        }
        assertFalse(watermark.converging(40 * MIB, 48 * MIB, 10 * SECOND), "a whole window without a new minimum");
    }

    @Test
    void aNewMinimumJustBeforeTheWindowEndsStartsTheWindowAgain() {
        watermark.converging(1, 101, 0);
        watermark.converging(10, 120, 5 * SECOND);
        assertTrue(watermark.converging(30, 129, 9 * SECOND), "99 < 100: a new minimum");
        assertTrue(watermark.converging(40, 150, 18 * SECOND), "9 s since the last minimum");
        assertFalse(watermark.converging(50, 160, 19 * SECOND), "10 s since the last minimum");
    }

    @Test
    void aRemainderEqualToTheLowestIsNoProgress() {
        watermark.converging(1, 51, 0);
        assertTrue(watermark.converging(10, 60, 9 * SECOND));
        assertFalse(watermark.converging(20, 70, 10 * SECOND));
    }

    @Test
    void aJobThatGrowsFasterThanItCopiesIsNotConverging() {
        for (int second = 0; second < 10; second++) {
            assertTrue(watermark.converging(1 + second * MIB, 4 * MIB + second * 2 * MIB, second * SECOND));
        }
        assertFalse(watermark.converging(10 * MIB, 24 * MIB, 10 * SECOND));
    }

    @Test
    void looksBeforeTheJobCopiedAnythingSetNoMinimumThatLaterCopyingMustBeat() {
        // QEMU still counting what to copy: end grows from nothing while cur stays 0.
        assertTrue(watermark.converging(0, 0, 0));
        assertTrue(watermark.converging(0, 8 * MIB, SECOND));
        assertTrue(watermark.converging(1, 1, 2 * SECOND), "libvirt's placeholder figures");
        assertEquals(Long.MAX_VALUE, watermark.lowest());
        assertTrue(watermark.converging(MIB, 24 * MIB, 9 * SECOND), "the first copy sets the first minimum");
        assertTrue(watermark.converging(2 * MIB, 24 * MIB, 18 * SECOND));
        assertTrue(watermark.converging(3 * MIB, 23 * MIB, 19 * SECOND), "catching up");
    }

    @Test
    void aJobThatCopiesNothingForAWholeWindowIsNotConverging() {
        assertTrue(watermark.converging(0, 8 * MIB, 0));
        assertTrue(watermark.converging(0, 8 * MIB, 9 * SECOND));
        assertFalse(watermark.converging(0, 8 * MIB, 10 * SECOND));
    }

    @Test
    void curPastEndCountsAsNothingLeft() {
        assertTrue(watermark.converging(10, 5, 0));
        assertEquals(0, watermark.lowest());
    }

    @Test
    void theCopyRateIsCurOverTheTimeBetweenTheFirstAndTheLastLook() {
        assertEquals(0, watermark.copiedBytesPerSecond(), "no look yet");
        watermark.converging(2 * MIB, 100 * MIB, 3 * SECOND);
        assertEquals(0, watermark.copiedBytesPerSecond(), "one look");
        watermark.converging(22 * MIB, 100 * MIB, 7 * SECOND);
        assertEquals(5 * MIB, watermark.copiedBytesPerSecond());
    }

    @Test
    void theWindowMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ProgressWatermark(Duration.ZERO));
    }
}
