package io.blockshift.worker;

import io.blockshift.activities.files.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A mount namespace of the test's own, held open by {@code unshare -m --propagation private sleep
 * infinity} (as root): mounts made in it ({@link #hideUnderEmptyTmpfs}) are seen only by the
 * processes started in it through {@link #launcher()}, and go with it at {@link #close()}.
 */
final class MountNamespace implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Process holder;

    private MountNamespace(Process holder) {
        this.holder = holder;
    }

    static MountNamespace start() throws IOException, InterruptedException {
        Process holder = new ProcessBuilder(List.of("unshare", "-m", "--propagation", "private", "sleep", "infinity"))
                .redirectErrorStream(true).start();
        MountNamespace namespace = new MountNamespace(holder);
        try {
            // unshare(2) happens before it execs sleep: until then /proc/PID/ns/mnt is still ours.
            Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (Files.readSymbolicLink(Path.of("/proc", Long.toString(holder.pid()), "ns", "mnt")).equals(ours)) {
                if (!holder.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("unshare -m did not make a mount namespace (it needs root); it printed: "
                            + new String(holder.getInputStream().readAllBytes()));
                }
                Thread.sleep(20);
            }
            return namespace;
        } catch (IOException | InterruptedException | RuntimeException e) {
            namespace.close();
            throw e;
        }
    }

    /** The command prefix that runs a program in the namespace. */
    List<String> launcher() {
        return List.of("nsenter", "-t", Long.toString(holder.pid()), "-m");
    }

    /** Mounts an empty tmpfs over {@code dir} in the namespace only: its processes see nothing of what is there. */
    void hideUnderEmptyTmpfs(Path dir) throws IOException, InterruptedException {
        Command.run(command("mount", "-t", "tmpfs", "tmpfs", dir.toString()), TIMEOUT);
    }

    /** Mounts {@code source} over the file {@code target} in the namespace only. */
    void bindOver(Path source, Path target) throws IOException, InterruptedException {
        Command.run(command("mount", "--bind", source.toString(), target.toString()), TIMEOUT);
    }

    /** Whether a process in the namespace finds {@code path}. */
    boolean sees(Path path) throws IOException, InterruptedException {
        Process test = new ProcessBuilder(command("test", "-e", path.toString())).redirectErrorStream(true).start();
        if (!test.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            test.destroyForcibly();
            throw new IOException("test -e " + path + " in the namespace did not finish");
        }
        return test.exitValue() == 0;
    }

    private List<String> command(String... args) {
        List<String> command = new java.util.ArrayList<>(launcher());
        command.addAll(List.of(args));
        return command;
    }

    /** Ends the holder; the namespace and its mounts go with its last process. */
    @Override
    public void close() throws InterruptedException {
        holder.destroyForcibly();
        holder.waitFor(10, TimeUnit.SECONDS);
    }
}
