package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.CliRun;
import io.blockshift.client.ExitCodes;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code --api-key}: sent on every call as Temporal Cloud expects ({@code authorization: Bearer KEY}),
 * and never printed. The frontend is a gRPC server of the test's own that records each call's
 * headers, answers the connection check and refuses everything else, as a server that does not
 * know the command's calls would.
 */
class ApiKeyTest {

    private static final String KEY = "bs-test-key-0b7f3c1e-do-not-print";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void theApiKeyGoesOnEveryCallAsABearerTokenAndIsNeverPrinted() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        ServerInterceptor recordHeaders = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                authorizations.add(call.getMethodDescriptor().getBareMethodName() + " " + headers.get(AUTHORIZATION));
                return next.startCall(call, headers);
            }
        };
        WorkflowServiceGrpc.WorkflowServiceImplBase frontend = new WorkflowServiceGrpc.WorkflowServiceImplBase() {
            @Override
            public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> answer) {
                answer.onNext(GetSystemInfoResponse.getDefaultInstance());
                answer.onCompleted();
            }
        };
        HealthGrpc.HealthImplBase health = new HealthGrpc.HealthImplBase() {
            @Override
            public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> answer) {
                answer.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
                answer.onCompleted();
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(frontend, recordHeaders))
                .addService(ServerInterceptors.intercept(health, recordHeaders)).build().start();
        try {
            CliRun run = CliRun.of("list", "--temporal", "127.0.0.1:" + server.getPort(), "--no-tls", "--api-key", KEY);

            assertEquals(ExitCodes.UNREACHABLE, run.exitCode(), run.toString());
            assertTrue(authorizations.stream().anyMatch(a -> a.startsWith("ListWorkflowExecutions ")), authorizations + " " + run);
            for (String call : authorizations) {
                assertTrue(call.endsWith(" Bearer " + KEY), "every call carries the key: " + call);
            }
            assertFalse(run.out().contains(KEY) || run.err().contains(KEY), "the key is never printed: " + run);
        } finally {
            server.shutdownNow().awaitTermination();
        }
    }
}
