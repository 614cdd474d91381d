package io.blockshift.worker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.blockshift.activities.files.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;

/**
 * blockshift as an earlier commit of this repository built it: the commit's files taken with
 * {@code git archive} into a {@code bs-test-} scratch directory, built there by its own Maven
 * wrapper, and its operator CLI's {@code worker} run as a process. {@link #close()} removes it all.
 *
 * @param dir the scratch directory
 * @param classPath the older client's launcher class path
 */
record OlderBuild(String commit, Path dir, String classPath) implements AutoCloseable {

    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Builds {@code commit} of the repository this test runs in. Skips the test (an assumption that says
     * why) where the repository cannot give that commit: not a git checkout, or a shallow clone without it.
     */
    static OlderBuild build(String commit) throws Exception {
        Path repository = repositoryRoot(commit);
        Path dir = Files.createTempDirectory(TestVm.SCRATCH, TestVm.PREFIX + "older-build-");
        try {
            Path archive = dir.resolve("source.tar");
            Path source = Files.createDirectory(dir.resolve("source"));
            git(repository, "archive", "--format=tar", "--output=" + archive, commit);
            Command.run(List.of("tar", "-xf", archive.toString(), "-C", source.toString()), GIT_TIMEOUT);
            Files.delete(archive);
            // package runs the client's build-classpath execution, which writes client/target/classpath.txt
            // naming the sibling modules' jars in this very tree (not whatever ~/.m2 holds). Not offline:
            // on a fresh machine this test runs before the reactor has reached the client, so Maven has
            // not yet fetched the plugins the client's packaging needs (maven-dependency-plugin).
            Path log = dir.resolve("build.log");
            ProcessBuilder maven = new ProcessBuilder(List.of("./mvnw", "-ntp", "-q", "-B", "package", "-DskipTests",
                    "-pl", "client", "-am"))
                    .directory(source.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            maven.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process process = maven.start();
            process.getOutputStream().close();
            if (!process.waitFor(BUILD_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("building blockshift at " + commit + " took over " + BUILD_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IOException("building blockshift at " + commit + " failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(log));
            }
            Path client = source.resolve("client/target");
            try (var jars = Files.list(client)) {
                Path jar = jars.filter(p -> p.getFileName().toString().matches("blockshift-client-.*\\.jar"))
                        .findFirst().orElseThrow(() -> new IOException("no blockshift-client jar in " + client));
                return new OlderBuild(commit, dir, jar + ":" + Files.readString(client.resolve("classpath.txt")).strip());
            }
        } catch (Exception | Error e) {
            PathUtils.deleteDirectory(dir);
            throw e;
        }
    }

    /** {@code blockshift worker} of this build, as an operator runs it, in a process a test can kill -9. */
    WorkerProcess startWorker(String temporalTarget, String taskQueue, Path storageRoot) throws IOException {
        return WorkerProcess.run(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "io.blockshift.client.BlockshiftCli", "worker",
                "--temporal", temporalTarget, "--task-queue", taskQueue, "--storage-root", storageRoot.toString()));
    }

    @Override
    public void close() throws IOException {
        PathUtils.deleteDirectory(dir);
    }

    /** The top of the git checkout this test runs in, once it is known to hold {@code commit}. */
    private static Path repositoryRoot(String commit) throws Exception {
        Path root;
        try {
            root = Path.of(Command.run(List.of("git", "rev-parse", "--show-toplevel"), GIT_TIMEOUT).strip());
        } catch (IOException e) {
            assumeTrue(false, "not a git checkout, so there is no blockshift " + commit + " to build and upgrade from ("
                    + e.getMessage() + ")");
            throw e;
        }
        try {
            git(root, "cat-file", "-e", commit + "^{commit}");
        } catch (IOException missing) {
            boolean shallow = git(root, "rev-parse", "--is-shallow-repository").strip().equals("true");
            assumeTrue(!shallow, "a shallow clone without commit " + commit + ", the older blockshift this test builds"
                    + " and upgrades from: run git fetch --unshallow to run it");
            throw new IOException("commit " + commit + " is not in the repository at " + root
                    + ": the upgrade test builds blockshift at that commit", missing);
        }
        return root;
    }

    private static String git(Path repository, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString()));
        command.addAll(List.of(arguments));
        return Command.run(command, GIT_TIMEOUT);
    }
}
