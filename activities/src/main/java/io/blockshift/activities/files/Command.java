package io.blockshift.activities.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program with an argument list (never through a shell) and returns what it printed. */
public final class Command {

    private Command() {
    }

    public static String run(List<String> arguments, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(arguments).redirectErrorStream(false).start();
        process.getOutputStream().close();
        // Read stderr alongside stdout: a program that fills one pipe while we wait on the other would hang.
        CompletableFuture<byte[]> stderrRead = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        byte[] stdout = process.getInputStream().readAllBytes();
        byte[] stderr = stderrRead.join();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", arguments) + " did not finish within " + timeout);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", arguments) + " failed (exit " + process.exitValue() + "): "
                    + new String(stderr, StandardCharsets.UTF_8).strip());
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
