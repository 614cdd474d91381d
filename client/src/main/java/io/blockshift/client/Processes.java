package io.blockshift.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs programs with argument lists, never through a shell. */
final class Processes {

    /** What a program printed (stdout and stderr together) and how it exited. */
    record Result(int exitCode, String output) {
    }

    private Processes() {
    }

    /** Runs {@code command} and collects its output. */
    static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
        }
        return new Result(process.exitValue(), output);
    }

    /** Runs {@code command} with this process's stdin, stdout and stderr; fails unless it exits 0. */
    static void runVisibly(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(environment);
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + exit + ")");
        }
    }
}
