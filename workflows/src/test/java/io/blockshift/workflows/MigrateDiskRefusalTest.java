package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.mockito.Mockito.verifyNoInteractions;

import com.google.protobuf.ByteString;
import io.blockshift.workflows.Fixtures.Call;
import io.temporal.api.common.v1.Payload;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.RawValue;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests the workflow refuses before anything changes: type {@code Refused}, no step run. */
class MigrateDiskRefusalTest extends MigrateDiskTestBase {

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                arguments("'domain' is missing", edited(r -> r.domain = null)),
                arguments("'disk' is missing", edited(r -> r.disk = "  ")),
                arguments("'target' is missing", edited(r -> r.target = null)),
                arguments("'bandwidthMiBps' is -5", edited(r -> r.bandwidthMiBps = -5)));
    }

    private static MigrateDiskRequest edited(Consumer<MigrateDiskRequest> edit) {
        MigrateDiskRequest request = Fixtures.request();
        edit.accept(request);
        return request;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestIsRefusedNamingTheFieldAndCallsNoActivity(String problem, MigrateDiskRequest request) {
        WorkflowFailedException failed = assertThrows(WorkflowFailedException.class, () -> newWorkflow().migrate(request));

        assertMessageContains(failureOfType(failed, "Refused"), problem, "Nothing was changed.");
        verifyNoInteractions(activities);
    }

    @Test
    void unknownFieldInAMapInputIsRefusedNamingTheField() {
        ApplicationFailure refusal = refusedUntyped(Map.of(
                "domain", Fixtures.DOMAIN, "disk", Fixtures.DISK, "target", Fixtures.TARGET, "colour", "blue"));

        assertMessageContains(refusal, "unknown field(s) [colour]", "known fields are domain, disk, target");
        verifyNoInteractions(activities);
    }

    @Test
    void unknownFieldInRawJsonInputAsTheCliSendsItIsRefusedNamingTheField() {
        // What `temporal workflow start --type MigrateDisk --input '{...}'` sends: one json/plain payload.
        Payload cliInput = Payload.newBuilder()
                .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFromUtf8(
                        "{\"domain\": \"vm1\", \"disk\": \"vda\", \"target\": \"/new/vm1-vda.img\", \"colour\": \"blue\"}"))
                .build();

        ApplicationFailure refusal = refusedUntyped(new RawValue(cliInput));

        assertMessageContains(refusal, "unknown field(s) [colour]");
        verifyNoInteractions(activities);
    }

    @Test
    void preflightRefusalFailsAsRefusedWithTheActivityMessageAndRunsNoOtherStep() {
        failOn(Call.PREFLIGHT, "vm1 has no disk vdz");

        assertMessageContains(migrationFails("Refused"), "vm1 has no disk vdz", "Nothing was changed");
        verifyCalls(List.of(Call.PREFLIGHT));
    }

    @Test
    void startWithoutInputIsRefused() {
        WorkflowStub stub = client.newUntypedWorkflowStub(MigrateDiskWorkflow.TYPE, WorkflowOptions.newBuilder(options())
                .setWorkflowExecutionTimeout(Duration.ofSeconds(3))
                .build());
        stub.start();

        WorkflowFailedException failed = assertThrows(WorkflowFailedException.class,
                () -> stub.getResult(MigrateDiskResult.class));
        failureOfType(failed, "Refused");
        verifyNoInteractions(activities);
    }

    private ApplicationFailure refusedUntyped(Object input) {
        WorkflowStub stub = client.newUntypedWorkflowStub(MigrateDiskWorkflow.TYPE, options());
        stub.start(input);
        return failureOfType(
                assertThrows(WorkflowFailedException.class, () -> stub.getResult(MigrateDiskResult.class)), "Refused");
    }
}
