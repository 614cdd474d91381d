package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.CliRun;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.session.FleetFollower;
import io.blockshift.client.session.MigrationFollower;
import io.blockshift.workflows.FleetProgress;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateFleetRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

class BlockshiftCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = BlockshiftCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void topHelpExplainsBlockshiftAndListsEachCommandOnOneLine() {
        assertEquals(0, run("--help"));
        String help = out.toString();
        assertTrue(help.contains("running libvirt/QEMU VM"), help);
        assertTrue(help.contains("durable Temporal workflow"), help);
        for (String command : List.of("migrate", "worker", "clone", "demo")) {
            String header = BlockshiftCli.commandLine().getSubcommands().get(command).getCommandSpec().usageMessage().header()[0];
            assertTrue(help.lines().anyMatch(line -> line.matches("\\s+" + command + "\\s+.*") && line.contains(header)),
                    command + " with its one-line header in:\n" + help);
        }
        assertTrue(help.contains("Exit status:"), help);
    }

    static Stream<String> commands() {
        return Stream.of("migrate", "fleet", "status", "pause", "resume", "cancel", "list", "server", "worker", "clone",
                "demo");
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandsHelpMentionsAllItsOptionsAndTheExitCodes(String command) {
        assertEquals(0, run(command, "--help"));
        String help = out.toString();
        CommandLine sub = BlockshiftCli.commandLine().getSubcommands().get(command);
        for (OptionSpec option : sub.getCommandSpec().options()) {
            assertTrue(help.contains(option.longestName()), option.longestName() + " in:\n" + help);
            assertTrue(!option.description()[0].isBlank(), option.longestName() + " has a description");
        }
        for (int code = 2; code <= 8; code++) {
            assertTrue(help.contains("\n  " + code + "  "), "exit status " + code + " in:\n" + help);
        }
    }

    @Test
    void migrateHasTheOptionsOperatorsExpect() {
        assertEquals(0, run("migrate", "--help"));
        for (String option : List.of("--domain", "--disk", "--target", "--cloner", "--bandwidth", "--keep-source",
                "--connect", "--temporal", "--namespace", "--task-queue", "--workflow-id", "--json")) {
            assertTrue(out.toString().contains(option), option);
        }
    }

    @Test
    void versionNamesBlockshift() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("blockshift "), out.toString());
    }

    @Test
    void missingRequiredOptionsAreAUsageError() {
        assertEquals(ExitCodes.USAGE, run("migrate", "--domain", "vm1"));
        assertTrue(err.toString().contains("--disk"), err.toString());
        assertTrue(err.toString().contains("blockshift migrate --help"), err.toString());
    }

    @Test
    void anUnknownCommandIsAUsageErrorWithASuggestion() {
        assertEquals(ExitCodes.USAGE, run("migrat"));
        assertTrue(err.toString().contains("migrate"), err.toString());
    }

    @Test
    void aBadNumberIsAUsageError() {
        assertEquals(ExitCodes.USAGE, run("clone", "--bandwidth", "fast", "a", "b"));
    }

    @Test
    void migrateOptionsBecomeTheWorkflowRequest() {
        CommandLine cli = BlockshiftCli.commandLine();
        cli.parseArgs("migrate", "--domain", "vm1", "--disk", "vda", "--target", "new/vm1.img", "--cloner", "sparse",
                "--bandwidth", "200", "--keep-source", "--connect", "qemu+ssh://host/system");
        MigrateCommand migrate = cli.getSubcommands().get("migrate").getCommand();

        MigrateDiskRequest request = migrate.request();

        assertEquals("vm1", request.domain);
        assertEquals("vda", request.disk);
        assertEquals(Path.of("new/vm1.img").toAbsolutePath().normalize().toString(), request.target);
        assertEquals("sparse", request.cloner);
        assertEquals(200, request.bandwidthMiBps);
        assertTrue(request.keepSource);
        assertEquals("qemu+ssh://host/system", request.connectUri);
        assertEquals(List.of(), request.problems());
        assertEquals("localhost:7233", migrate.temporal.address);
        assertEquals("default", migrate.temporal.namespace);
        assertEquals("blockshift", migrate.temporal.taskQueue);
    }

    @Test
    void migrateDefaultsMatchTheWorkflowsDefaults() {
        CommandLine cli = BlockshiftCli.commandLine();
        cli.parseArgs("migrate", "--domain", "vm1", "--disk", "vda", "--target", "/new/vm1.img");
        MigrateDiskRequest request = ((MigrateCommand) cli.getSubcommands().get("migrate").getCommand()).request();
        MigrateDiskRequest defaults = new MigrateDiskRequest("vm1", "vda", "/new/vm1.img");
        assertEquals(defaults.cloner, request.cloner);
        assertEquals(defaults.connectUri, request.connectUri);
        assertEquals(defaults.bandwidthMiBps, request.bandwidthMiBps);
        assertEquals(defaults.keepSource, request.keepSource);
    }

    @Test
    void defaultWorkflowIdsNameDomainAndDisk() {
        String id = MigrationFollower.defaultWorkflowId("vm1", "vda");
        assertTrue(id.matches("migrate-vm1-vda-[0-9a-f]{6}"), id);
        assertTrue(MigrationFollower.defaultWorkflowId("vm 2", "/var/lib/libvirt/images/vm2.img")
                .matches("migrate-vm_2-vm2.img-[0-9a-f]{6}"));
        assertTrue(!id.equals(MigrationFollower.defaultWorkflowId("vm1", "vda")));
    }

    @Test
    void aFleetsLineShowsItsStateCountsBytesAndEta() {
        FleetProgress progress = new FleetProgress("running", 4, 1, 2, 0, 0, 1, 64L << 20, 256L << 20, 40L,
                List.of("migrate-disk/local/u/vda"), List.of(), 1);
        assertEquals("running 1/4 done, 2 running, 0 failed, 0 canceled, 1 pending; 64 MiB / 256 MiB; eta 40.0s",
                FleetFollower.progressLine(progress));
    }

    @Test
    void fleetOptionsBecomeTheWorkflowRequest() throws Exception {
        CommandLine cli = BlockshiftCli.commandLine();
        cli.parseArgs("fleet", "--domains", "web-*", "--source-under", "old", "--target-dir", "/new", "--host", "kvm-2",
                "--cloner", "sparse", "--bandwidth", "100", "--max-concurrent", "8", "--max-per-host", "3",
                "--max-per-target", "5", "--on-failure", "stop");
        MigrateFleetRequest request = ((FleetCommand) cli.getSubcommands().get("fleet").getCommand()).request();

        assertEquals("web-*", request.select.domains);
        assertEquals(Path.of("old").toAbsolutePath().toString(), request.select.sourceUnder);
        assertEquals("/new", request.select.targetDir);
        assertEquals("kvm-2", request.select.host);
        assertEquals("qemu:///system", request.select.connectUri);
        assertEquals("sparse", request.select.cloner);
        assertEquals(100, request.select.bandwidthMiBps);
        assertEquals(8, request.maxConcurrent);
        assertEquals(3, request.maxPerHost);
        assertEquals(5, request.maxPerTarget);
        assertEquals("stop", request.onFailure);
        assertEquals(List.of(), request.problems());
    }

    @Test
    void fleetStatesPickTheVmsByStateAllByDefaultAndAnUnknownStateIsAProblemNamingTheStates() throws Exception {
        assertEquals(List.of("running", "paused", "shutoff"), fleetRequest().select.states);
        MigrateFleetRequest some = fleetRequest("--states", "shutoff,paused");
        assertEquals(List.of("shutoff", "paused"), some.select.states);
        assertEquals(List.of(), some.problems());
        FleetFile.Refused refused = assertThrows(FleetFile.Refused.class, () -> fleetRequest("--states", "running,off"));
        assertTrue(refused.getMessage().startsWith("--states has 'off': the states are running, paused, shutoff"),
                refused.getMessage());
    }

    private static MigrateFleetRequest fleetRequest(String... more) throws Exception {
        CommandLine cli = BlockshiftCli.commandLine();
        List<String> args = new java.util.ArrayList<>(List.of("fleet", "--domains", "web-*", "--source-under", "/old",
                "--target-dir", "/new"));
        args.addAll(List.of(more));
        cli.parseArgs(args.toArray(String[]::new));
        return ((FleetCommand) cli.getSubcommands().get("fleet").getCommand()).request();
    }

    /** A port nothing listens on: bound, then closed. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void migrateToANamedServerThatDoesNotAnswerExitsSevenAndStartsNothing() throws IOException {
        String address = "127.0.0.1:" + closedPort();

        CliRun run = CliRun.of("migrate", "--domain", "bs-test-none", "--disk", "vda", "--target",
                "/tmp/bs-test-none/b.img", "--temporal", address);

        assertEquals(ExitCodes.UNREACHABLE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("cannot reach Temporal at " + address + ": "), run.toString());
        assertTrue(run.err().contains("Nothing was started") && run.err().contains("leave --temporal"), run.toString());
        assertTrue(!run.err().contains("running one and a worker") && !run.out().contains("workflow:"),
                "no embedded server, no workflow: " + run);
    }

    @Test
    void migrateWithATlsOptionNeverFallsBackToALocalServer() {
        // The default address: whatever answers there (nothing, or a plain dev server) does not speak TLS.
        CliRun run = CliRun.of("migrate", "--domain", "bs-test-none", "--disk", "vda", "--target",
                "/tmp/bs-test-none/b.img", "--tls");

        assertEquals(ExitCodes.UNREACHABLE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("cannot reach Temporal at localhost:7233"), run.toString());
        assertTrue(!run.err().contains("running one and a worker") && !run.out().contains("workflow:"), run.toString());
    }

    @Test
    void migrateWithTlsFilesItCannotUseIsAUsageError() throws IOException {
        CliRun run = CliRun.of("migrate", "--domain", "bs-test-none", "--disk", "vda", "--target",
                "/tmp/bs-test-none/b.img", "--temporal", "127.0.0.1:" + closedPort(), "--tls-cert", "/nonexistent/c.pem");

        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--tls-cert and --tls-key go together"), run.toString());
    }

    @Test
    void auditOfAServerThatDoesNotAnswerExitsSevenNotEight() throws IOException {
        CliRun run = CliRun.of("audit", "--temporal", "127.0.0.1:" + closedPort(), "bs-test-any");

        assertEquals(ExitCodes.UNREACHABLE, run.exitCode(), run.toString());
        assertTrue(!run.err().contains("no workflow"), run.toString());
    }

    @ParameterizedTest
    @CsvSource({"NOT_FOUND, 8", "UNAVAILABLE, 7", "DEADLINE_EXCEEDED, 7", "PERMISSION_DENIED, 7", "INTERNAL, 7"})
    void auditSaysNoSuchWorkflowOnlyWhenTheServerSaysNotFound(Status.Code code, int exitCode) {
        assertEquals(exitCode, TemporalOptions.exitCodeOf(new StatusRuntimeException(Status.fromCode(code))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--agentless",
        "--connect qemu+ssh://kvm-07/system",
        "--host kvm-07 --connect qemu+ssh://kvm-07/system",
        "--agentless-host kvm/07=qemu+ssh://kvm-07/system",
        "--agentless-host kvm-07=",
        "--host kvm-07 --agentless --agentless-host kvm-07=qemu+ssh://kvm-07/system"})
    void agentlessHostsThatNameNoHostOrOneTwiceAreUsageErrorsBeforeAnyConnection(String args) {
        List<String> command = new java.util.ArrayList<>(List.of("worker", "--temporal", "127.0.0.1:1"));
        command.addAll(List.of(args.split(" ")));
        assertEquals(ExitCodes.USAGE, run(command.toArray(String[]::new)));
    }

    @Test
    void workerDefaultsToTheLibvirtImagesDirectory() {
        assertEquals(0, run("worker", "--help"));
        assertTrue(out.toString().contains("/var/lib/libvirt/images"), out.toString());
    }
}
