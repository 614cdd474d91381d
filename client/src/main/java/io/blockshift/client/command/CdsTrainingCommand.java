package io.blockshift.client.command;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.client.TemporalClient;
import io.blockshift.client.session.MigrationFollower;
import io.blockshift.client.session.MigrationOutcome;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.StepProgress;
import io.temporal.common.converter.DataConverter;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * Hidden: what the {@code ./blockshift} launcher runs once per build under
 * {@code -XX:ArchiveClassesAtExit}, so that later runs start from a class-data sharing archive of
 * the classes a migration loads (gRPC, protobuf, the Temporal SDK, Jackson): about half a second
 * less for every {@code migrate}. It follows a migration against a Temporal test server on a
 * local port, with no worker, up to a Ctrl-C that ends it; nothing outside this process changes.
 */
@Command(name = "cds-training", hidden = true, description = "Loads the classes a migration uses (for the launcher).")
public final class CdsTrainingCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true);
        CommandLine cli = BlockshiftCli.commandLine();
        cli.parseArgs("migrate", "--domain", "vm", "--disk", "vda", "--target", "/var/lib/libvirt/images/b.img", "--json");
        nowhere.print(cli.getSubcommands().get("migrate").getUsageMessage());

        int port = freePort();
        try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port, false)) {
            Optional<TemporalClient> connected = TemporalClient.connectIfAnswers("127.0.0.1:" + port, "default",
                    Duration.ofSeconds(10));
            try (TemporalClient client = connected.orElseThrow()) {
                DataConverter converter = client.client().getOptions().getDataConverter();
                converter.fromPayloads(0, converter.toPayloads(new StepProgress(DiskPhase.CLONE.wire(), 1, 2, 1)),
                        StepProgress.class, StepProgress.class);
                follow(client, nowhere);
            }
        }
        LinkedHashMap<String, Long> steps = new LinkedHashMap<>();
        steps.put(DiskPhase.CLONE.wire(), 1L);
        MigrateDiskResult result = new MigrateDiskResult("vm", "vda", "/a.img", "/b.img", "plain", "auto", 1, "crc32c",
                "0", false, steps, false);
        WorkflowSession.report(new MigrationOutcome("w", ExitCodes.OK, result, null, null, null), true,
                nowhere, nowhere);
        WorkflowSession.report(new MigrationOutcome("w", ExitCodes.OK, result, null, null, null), false,
                nowhere, nowhere);
        return ExitCodes.OK;
    }

    /** Starts a migration no worker will run, follows it, and ends it as Ctrl-C would. */
    private static void follow(TemporalClient client, PrintStream nowhere) throws Exception {
        CountDownLatch announced = new CountDownLatch(1);
        PrintStream announce = new PrintStream(OutputStream.nullOutputStream(), true) {
            @Override
            public void println(String line) {
                announced.countDown();
            }
        };
        WorkflowSession<MigrateDiskResult, MigrationOutcome> session = WorkflowSession.migration(client.client(),
                "cds-training",
                new ProgressDisplay(nowhere, false, System::nanoTime), "none", "none");
        CompletableFuture<MigrationOutcome> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                return session.run(new MigrateDiskRequest("vm", "vda", "/b.img"), "cds-training", announce);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        if (announced.await(10, TimeUnit.SECONDS)) {
            Thread.sleep(MigrationFollower.POLL.toMillis());
            Interrupts.dispatch();
        }
        outcome.get(30, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
