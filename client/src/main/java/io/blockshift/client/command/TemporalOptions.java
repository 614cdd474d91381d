package io.blockshift.client.command;

import io.blockshift.client.ConnectionOptions;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.TemporalClient;
import io.blockshift.worker.TemporalConnection;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.temporal.client.WorkflowNotFoundException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** Where the Temporal server is, for {@code migrate} and {@code worker}. */
final class TemporalOptions {

    @Option(names = "--temporal", paramLabel = "HOST:PORT", defaultValue = TemporalConnection.DEFAULT_TARGET,
            description = "Temporal frontend (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = TemporalConnection.DEFAULT_NAMESPACE,
            description = "Temporal namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--task-queue", paramLabel = "QUEUE", defaultValue = MigrateDiskWorkflow.TASK_QUEUE,
            description = "Task queue the workers poll (default: ${DEFAULT-VALUE}).")
    String taskQueue;

    @Option(names = "--tls", negatable = true, description = "Connect over TLS, trusting the system's certificate"
            + " authorities (implied by the other --tls-* options and by --api-key); --no-tls sends an API key over a"
            + " plain connection (a local or test server).")
    Boolean tls;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "Trust the server certificate's authority in this"
            + " PEM file (a private CA) instead of the system's.")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate for mutual TLS (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The client certificate's private key, PKCS#8 PEM.")
    Path tlsKey;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:TEMPORAL_API_KEY}",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "API key sent as a bearer token, over TLS unless --no-tls (Temporal Cloud). Default: the TEMPORAL_API_KEY"
                    + " environment variable, which other users cannot read in the process list. Never printed.")
    String apiKey;

    /** A client of the server at {@link #address}, if one answers within {@code timeout}. */
    Optional<TemporalClient> connectIfAnswers(Duration timeout) {
        return connectIfAnswers(timeout, connectionOptions());
    }

    /** A client of the server at {@link #address} with {@code options}, if one answers within {@code timeout}. */
    Optional<TemporalClient> connectIfAnswers(Duration timeout, ConnectionOptions options) {
        return TemporalClient.connectIfAnswers(address, namespace, timeout, options);
    }

    /** A client of the server at {@link #address}; throws why when none answers within {@code timeout}. */
    TemporalClient connect(Duration timeout) {
        return TemporalClient.connectWithin(address, namespace, timeout, connectionOptions());
    }

    /** TLS and the API key as the options ask. */
    ConnectionOptions connectionOptions() {
        return new ConnectionOptions(sslContext(), Boolean.FALSE.equals(tls),
                apiKey == null || apiKey.isBlank() ? null : apiKey, null);
    }

    /**
     * Whether the operator named the server: gave {@code --temporal} (even its default value) or any
     * TLS option. Then a server that does not answer is an error to report, never a reason to run
     * one of blockshift's own.
     */
    boolean serverNamed() {
        ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
        return (parsed != null && parsed.hasMatchedOption("--temporal"))
                || parsed != null && parsed.hasMatchedOption("--api-key")
                || tls != null || tlsCa != null || tlsCert != null || tlsKey != null;
    }

    /** What a command does with a client of the server: its exit status. */
    interface ClientCommand {
        int run(TemporalClient client) throws Exception;
    }

    /**
     * Runs {@code command} with a client of the server, closed after it, and returns its exit
     * status; when no server answers, tells the operator on stderr and returns
     * {@link ExitCodes#UNREACHABLE}.
     */
    int withClient(ClientCommand command) throws Exception {
        Optional<TemporalClient> server = connectIfAnswers(Duration.ofSeconds(5));
        if (server.isEmpty()) {
            System.err.println("no Temporal server answers at " + address + "; give --temporal HOST:PORT");
            return ExitCodes.UNREACHABLE;
        }
        try (TemporalClient client = server.get()) {
            return command.run(client);
        }
    }

    /** The TLS settings the options ask for, or null for a plain connection. */
    SslContext sslContext() {
        boolean files = tlsCa != null || tlsCert != null || tlsKey != null;
        if (Boolean.FALSE.equals(tls) && files) {
            throw new ParameterException(spec.commandLine(), "--no-tls and --tls-ca/--tls-cert/--tls-key contradict each"
                    + " other: drop --no-tls to connect over TLS with those files");
        }
        if (!Boolean.TRUE.equals(tls) && !files) {
            return null;
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together: give both for mutual TLS");
        }
        try {
            SslContextBuilder builder = GrpcSslContexts.forClient();
            if (tlsCa != null) {
                builder.trustManager(tlsCa.toFile());
            }
            if (tlsCert != null) {
                builder.keyManager(tlsCert.toFile(), tlsKey.toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "cannot use the TLS files given: " + e.getMessage());
        }
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** Says there is no such workflow, and returns {@link ExitCodes#NOT_FOUND}. */
    int notFound(String workflowId) {
        System.err.println(ExitCodes.outcome(ExitCodes.NOT_FOUND) + ": no workflow " + workflowId + " in namespace "
                + namespace + " at " + address + "; 'blockshift list' shows the migrations there");
        return ExitCodes.NOT_FOUND;
    }

    /**
     * Says why {@code workflowId} could not be read, and returns the exit status:
     * {@link ExitCodes#NOT_FOUND} only when the server says it has no such workflow or run;
     * anything else (UNAVAILABLE, DEADLINE_EXCEEDED, ...) says nothing about the workflow:
     * {@link ExitCodes#UNREACHABLE}.
     */
    int readFailed(String workflowId, RuntimeException failure) {
        int exitCode = exitCodeOf(failure);
        if (exitCode == ExitCodes.NOT_FOUND) {
            return notFound(workflowId);
        }
        System.err.println(ExitCodes.outcome(exitCode) + ": Temporal at " + address + " did not answer for " + workflowId
                + ": " + failure.getMessage() + "; check the server and try again");
        return exitCode;
    }

    static int exitCodeOf(RuntimeException failure) {
        boolean notFound = failure instanceof WorkflowNotFoundException
                || failure instanceof StatusRuntimeException status && status.getStatus().getCode() == Status.Code.NOT_FOUND;
        return notFound ? ExitCodes.NOT_FOUND : ExitCodes.UNREACHABLE;
    }

    /** The command that starts a worker for this server, namespace and queue. */
    String workerCommand() {
        return "blockshift worker --temporal " + address + " --namespace " + namespace + " --task-queue " + taskQueue;
    }
}
