package io.blockshift.activities.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a program with an argument list (never through a shell) and returns what it printed. */
public final class Command {

    /** How long a killed program gets to die, and its pipes to close, before we stop waiting. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private Command() {
    }

    /**
     * Runs {@code arguments} and returns its stdout.
     *
     * @throws IOException when it exits non-zero (with its stderr), or does not finish within
     *     {@code timeout} (it is then killed)
     */
    public static String run(List<String> arguments, Duration timeout) throws IOException, InterruptedException {
        String command = String.join(" ", arguments);
        Process process = new ProcessBuilder(arguments).start();
        try {
            process.getOutputStream().close();
            // Both pipes drain on threads of their own, so the wait below is bounded by the timeout
            // (reading stdout to its end first would wait as long as the program runs) and a
            // program that fills one pipe while we wait on the other cannot hang.
            FutureTask<byte[]> stdout = drain(process.getInputStream(), "stdout of " + arguments.get(0));
            FutureTask<byte[]> stderr = drain(process.getErrorStream(), "stderr of " + arguments.get(0));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                boolean died = process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                throw new IOException(command + " did not finish within " + timeout + (died ? "; it was killed"
                        : "; it was sent SIGKILL but still runs (pid " + process.pid() + "), probably stuck in the kernel "
                                + "on unresponsive storage"));
            }
            byte[] out = output(stdout, command);
            byte[] err = output(stderr, command);
            if (process.exitValue() != 0) {
                throw new IOException(command + " failed (exit " + process.exitValue() + "): "
                        + new String(err, StandardCharsets.UTF_8).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            // Also on an interrupt: the program must not outlive the call that started it.
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private static FutureTask<byte[]> drain(InputStream pipe, String name) {
        FutureTask<byte[]> read = new FutureTask<>(() -> {
            try (pipe) {
                return pipe.readAllBytes();
            }
        });
        Thread reader = new Thread(read, name);
        // A program's own child may keep a pipe open after it exits: such a reader must not keep the JVM up.
        reader.setDaemon(true);
        reader.start();
        return read;
    }

    /** What a program that has exited printed on one pipe. */
    private static byte[] output(FutureTask<byte[]> pipe, String command) throws IOException, InterruptedException {
        try {
            return pipe.get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(command + " exited but a process it started still holds its output open");
        } catch (ExecutionException e) {
            throw new IOException("reading the output of " + command + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
