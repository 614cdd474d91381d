package io.blockshift.workflows;

import static io.blockshift.workflows.Fixtures.PLAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doReturn;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the block jobs needed to converge reaches the result; histories without these fields still read. */
class MigrateDiskConvergenceTest extends MigrateDiskTestBase {

    private static final ConvergenceReport SWITCHED = ConvergenceReport.stalled("2026-12-03T11:00:00Z", 8 << 20)
            .writeBlocking("2026-12-03T11:00:01Z");
    private static final ConvergenceReport THROTTLED = ConvergenceReport.stalled("2026-12-03T11:00:05Z", 16 << 20)
            .bandwidthLifted("2026-12-03T11:00:05Z").throttled("2026-12-03T11:00:07Z", 4 << 20, 1200);

    @Test
    void theResultSaysWhatEachBlockJobNeededToConverge() {
        doReturn(Fixtures.MIRROR.convergence(SWITCHED)).when(activities).mirrorToOverlay(PLAN);
        doReturn(Fixtures.COMMIT.convergence(THROTTLED)).when(activities).commitOverlay(PLAN);

        MigrateDiskResult result = migrate();

        assertEquals(Map.of("mirror", SWITCHED, "commit", THROTTLED), result.convergence());
        assertEquals(List.of("mirror", "commit"), List.copyOf(result.convergence().keySet()));
    }

    @Test
    void blockJobsThatConvergedByThemselvesLeaveTheResultsConvergenceEmpty() {
        assertTrue(migrate().convergence().isEmpty());
    }

    @Test
    void describeSaysWhatWasFoundAndDoneInOrder() {
        assertEquals("not converging at 2026-12-03T11:00:05Z (16 MiB left at best); bandwidth limit lifted at "
                + "2026-12-03T11:00:05Z; guest writes limited to 4 MiB/s at 2026-12-03T11:00:07Z for 1200 ms, then its "
                + "own I/O tuning restored", THROTTLED.describe());
    }

    @Test
    void aRequestWithoutConvergenceSecondsTakesTheDefaultAndANonPositiveOneIsRefused() {
        MigrateDiskRequest request = read("{\"domain\": \"vm1\", \"disk\": \"vda\", \"target\": \"/new/b.img\"}",
                MigrateDiskRequest.class);
        assertEquals(60, request.convergenceSeconds);
        assertTrue(request.problems().isEmpty(), request.problems().toString());
        request.convergenceSeconds = 0;
        assertEquals(List.of("'convergenceSeconds' is 0: give a positive number of seconds, or leave it out for 60"),
                request.problems());
    }

    @Test
    void aPlanReportAndProgressRecordedBeforeTheseFieldsReadWithTheirDefaults() {
        MigrationPlan plan = read("{\"connectUri\": \"qemu:///system\", \"domainName\": \"vm1\", \"bandwidthBytesPerSecond\": 0}",
                MigrationPlan.class);
        assertEquals(MigrateDiskRequest.DEFAULT_CONVERGENCE_SECONDS, plan.convergenceSeconds());
        BlockJobReport report = read("{\"job\": \"copy\", \"bytes\": 1, \"millisToReady\": 2, \"pivotAttempts\": 1,"
                + " \"resumed\": false}", BlockJobReport.class);
        assertNull(report.convergence());
        assertNull(read("{\"step\": \"mirror\", \"bytesDone\": 1, \"bytesTotal\": 2, \"resumeOffset\": 0}",
                StepProgress.class).convergence());
        assertEquals(Fixtures.MIRROR.convergence(SWITCHED), read(json(Fixtures.MIRROR.convergence(SWITCHED)),
                BlockJobReport.class));
    }

    private static <T> T read(String json, Class<T> type) {
        Payload payload = Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFrom(json, StandardCharsets.UTF_8))
                .build();
        return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, type, type);
    }

    private static String json(Object value) {
        Optional<Payload> payload = DefaultDataConverter.STANDARD_INSTANCE.toPayload(value);
        return payload.orElseThrow().getData().toStringUtf8();
    }
}
