package io.blockshift.client;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Runs {@code blockshift ARGS} in this JVM and keeps what it printed. The commands print to
 * System.out and System.err, so both are replaced once by streams that write to the buffers of the
 * thread running the command (threads it starts inherit them): two commands can run at once, as an
 * operator's {@code fleet} and {@code cancel} would in two terminals.
 *
 * @param exitCode the command's exit status
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
public record CliRun(int exitCode, String out, String err) {

    private static final InheritableThreadLocal<ByteArrayOutputStream[]> BUFFERS = new InheritableThreadLocal<>();

    static {
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        System.setOut(new PrintStream(routed(realOut, 0), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(routed(realErr, 1), true, StandardCharsets.UTF_8));
    }

    /** Runs the command on this thread. */
    public static CliRun of(String... args) {
        ByteArrayOutputStream[] buffers = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        BUFFERS.set(buffers);
        try {
            int exitCode = BlockshiftCli.commandLine().execute(args);
            return new CliRun(exitCode, buffers[0].toString(StandardCharsets.UTF_8),
                    buffers[1].toString(StandardCharsets.UTF_8));
        } finally {
            BUFFERS.remove();
        }
    }

    /** Runs the command on a thread of its own. */
    public static CompletableFuture<CliRun> inBackground(String... args) {
        CompletableFuture<CliRun> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                done.complete(of(args));
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "blockshift " + String.join(" ", args));
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    private static OutputStream routed(PrintStream real, int which) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                ByteArrayOutputStream[] buffers = BUFFERS.get();
                if (buffers == null) {
                    real.write(b);
                } else {
                    buffers[which].write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                ByteArrayOutputStream[] buffers = BUFFERS.get();
                if (buffers == null) {
                    real.write(b, off, len);
                } else {
                    buffers[which].write(b, off, len);
                }
            }
        };
    }
}
