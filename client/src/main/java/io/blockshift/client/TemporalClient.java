package io.blockshift.client;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a Temporal frontend that closes completely. gRPC's shared network threads
 * linger for a second after their last channel closes, blocked in native code, and the JVM waits
 * 300 ms at exit for threads in native code: with threads of its own, closed at once, a command
 * exits without that wait.
 */
public final class TemporalClient implements AutoCloseable {

    private final NioEventLoopGroup network;
    private final WorkflowServiceStubs service;
    private final WorkflowClient client;

    private TemporalClient(NioEventLoopGroup network, WorkflowServiceStubs service, String namespace) {
        this.network = network;
        this.service = service;
        this.client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    /** Connects to {@code address} if a frontend answers there within {@code timeout}. */
    public static Optional<TemporalClient> connectIfAnswers(String address, String namespace, Duration timeout) {
        return connectIfAnswers(address, namespace, timeout, ConnectionOptions.PLAIN);
    }

    /** Connects with {@code options} to {@code address} if a frontend answers there within {@code timeout}. */
    public static Optional<TemporalClient> connectIfAnswers(String address, String namespace, Duration timeout,
            ConnectionOptions options) {
        try {
            return Optional.of(connectWithin(address, namespace, timeout, options));
        } catch (RuntimeException nothingAnswers) {
            return Optional.empty();
        }
    }

    /**
     * Connects with {@code options} to {@code address}, or throws why no frontend answered there
     * within {@code timeout} (refused, a TLS handshake that failed, ...).
     */
    public static TemporalClient connectWithin(String address, String namespace, Duration timeout,
            ConnectionOptions options) {
        NioEventLoopGroup network = new NioEventLoopGroup(1, new DefaultThreadFactory("temporal-network", true));
        try {
            WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(stubOptions(address, network, options), timeout);
            return new TemporalClient(network, service, namespace);
        } catch (RuntimeException nothingAnswers) {
            network.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw nothingAnswers;
        }
    }

    /** Why a connection failed, from every cause that says something (gRPC's own message is often just "io exception"). */
    public static String why(Throwable failure) {
        StringBuilder why = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (why.indexOf(message) < 0) {
                why.append(why.length() == 0 ? "" : ": ").append(message);
            }
        }
        return why.toString();
    }

    /** Connects to {@code address}, which is known to answer (or will, soon). */
    public static TemporalClient connect(String address, String namespace) {
        NioEventLoopGroup network = new NioEventLoopGroup(1, new DefaultThreadFactory("temporal-network", true));
        return new TemporalClient(network, WorkflowServiceStubs.newServiceStubs(stubOptions(address, network, ConnectionOptions.PLAIN)), namespace);
    }

    public WorkflowClient client() {
        return client;
    }

    @Override
    public void close() {
        service.shutdownNow();
        service.awaitTermination(1, TimeUnit.SECONDS);
        network.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
    }

    private static WorkflowServiceStubsOptions stubOptions(String address, NioEventLoopGroup network,
            ConnectionOptions connection) {
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder()
                .setTarget(address)
                .setChannelInitializer(builder -> ((NettyChannelBuilder) builder)
                        .eventLoopGroup(network)
                        .channelType(NioSocketChannel.class));
        if (connection.tls() != null) {
            options.setSslContext(connection.tls());
        }
        if (connection.apiKey() != null) {
            String key = connection.apiKey();
            options.addApiKey(() -> key); // which also turns TLS on, as Temporal Cloud needs
        }
        if (connection.plainText()) {
            options.setEnableHttps(false);
        }
        if (connection.metrics() != null) {
            options.setMetricsScope(connection.metrics());
        }
        return options.build();
    }
}
