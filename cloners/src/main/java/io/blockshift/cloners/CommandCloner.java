package io.blockshift.cloners;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * Runs a program the operator configured (a storage array's clone tool, say) to make the target.
 *
 * <p>Configuration: the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV}, holds a JSON array of strings, such as
 * {@code ["cp", "--reflink=auto", "--sparse=always", "{source}", "{target}"]}, or the path of a file
 * that holds one. Each argument may contain {@code {source}}, {@code {target}} and
 * {@code {bandwidth}} (bytes a second, 0 for no limit); when none names the source or the target,
 * the two paths are appended. The program runs directly, never through a shell, with no input.
 *
 * <ul>
 *   <li>Fails when the program exits non-zero, with the tail of its stderr; NO_SPACE when that says
 *       "No space left on device". Removes the target on any failure or cancel: a program cannot
 *       resume, so a resume runs it again from the start.
 *   <li>Checks that the target has the source's size, fsyncs it, and checksums both when
 *       {@link CloneRequest#verify()}.
 *   <li>Calls the listener at least every 250 ms while the program runs; when it throws, the
 *       program and its children are stopped.
 * </ul>
 */
public final class CommandCloner implements Cloner {

    public static final String PROPERTY = "blockshift.clone.command";
    public static final String ENV = "BLOCKSHIFT_CLONE_COMMAND";

    private static final int STDERR_TAIL = 2000;
    private static final long POLL_MILLIS = 100;
    private static final long STOP_GRACE_SECONDS = 2;

    private final Supplier<String> configuration;

    /** Reads {@value #PROPERTY} or {@value #ENV} each time it is asked. */
    public CommandCloner() {
        this(() -> {
            String value = System.getProperty(PROPERTY);
            return value != null ? value : System.getenv(ENV);
        });
    }

    /** With a configuration as {@value #ENV} would hold it. */
    public CommandCloner(Supplier<String> configuration) {
        this.configuration = configuration;
    }

    @Override
    public String name() {
        return "command";
    }

    @Override
    public String description() {
        return "runs the program configured in " + ENV + " (a JSON argument list with {source} and {target}; no shell)";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        List<String> command;
        try {
            command = command();
        } catch (IllegalArgumentException e) {
            return Suitability.no(e.getMessage());
        }
        String problem = Preconditions.whyNot(source, targetDirectory);
        if (problem != null) {
            return Suitability.no(problem);
        }
        if (!runnable(command.get(0))) {
            return Suitability.no("program '" + command.get(0) + "' of " + ENV + " is not an executable file or on PATH");
        }
        return Suitability.yes("runs " + command);
    }

    /**
     * The configured argument list, placeholders not yet filled in.
     *
     * @throws IllegalArgumentException saying what is missing or wrong
     */
    public List<String> command() {
        String value = configuration.get();
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("not configured: set " + ENV + " (or -D" + PROPERTY
                    + ") to a JSON argument list such as [\"cp\", \"--reflink=auto\", \"{source}\", \"{target}\"]");
        }
        String json = value.strip();
        String origin = ENV;
        if (!json.startsWith("[")) {
            origin = "file " + json + " named by " + ENV;
            try {
                json = Files.readString(Path.of(json));
            } catch (IOException | UncheckedIOException e) {
                throw new IllegalArgumentException(ENV + " is neither a JSON array nor a readable file: " + value);
            }
        }
        List<String> command;
        try {
            command = JsonStrings.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + " is " + e.getMessage());
        }
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException(origin + " names no program");
        }
        return command;
    }

    /** The arguments to run: placeholders filled in, or the two paths appended. */
    static List<String> arguments(List<String> command, CloneRequest request) {
        List<String> arguments = new ArrayList<>();
        boolean named = false;
        for (String argument : command) {
            named |= argument.contains("{source}") || argument.contains("{target}");
            arguments.add(argument.replace("{source}", request.source().toString())
                    .replace("{target}", request.target().toString())
                    .replace("{bandwidth}", Long.toString(request.bandwidthBytesPerSecond())));
        }
        if (!named) {
            arguments.add(request.source().toString());
            arguments.add(request.target().toString());
        }
        return arguments;
    }

    private static boolean runnable(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
        List<String> command;
        try {
            command = command();
        } catch (IllegalArgumentException e) {
            throw new CloneException(CloneException.Kind.NOT_SUPPORTED, e.getMessage());
        }
        Path target = request.target();
        if (request.bandwidthBytesPerSecond() > 0 && command.stream().noneMatch(a -> a.contains("{bandwidth}"))) {
            LoggerFactory.getLogger(CommandCloner.class).warn("{} has no {{bandwidth}} placeholder: the copy to {} is not limited to {} bytes/s",
                    ENV, target, request.bandwidthBytesPerSecond());
        }
        try (NativeFile in = NativeFile.openSource(request.source())) {
            long size = in.size();
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (request.resumeOffset() == 0) {
                    throw new CloneException(CloneException.Kind.TARGET_EXISTS,
                            "target " + target + " already exists; blockshift never overwrites a file");
                }
                Files.delete(target); // our own partial copy: a program cannot resume, so start over
            }
            boolean done = false;
            try {
                Progress progress = new Progress(listener, 0, size);
                run(arguments(command, request), progress);
                CloneResult result;
                try (NativeFile out = NativeFile.openTarget(target)) {
                    if (out.size() != size) {
                        throw new CloneException(CloneException.Kind.VERIFICATION_FAILED, "clone command " + command.get(0)
                                + " made " + target + " of " + out.size() + " bytes, but the source has " + size);
                    }
                    out.fsync();
                    progress.advance(size);
                    progress.durable(size);
                    result = request.verify()
                            ? Crc32cSum.compare(name(), in, out, size, size, progress::tick)
                            : new CloneResult(name(), size, size, null, null, null);
                }
                done = true;
                return result;
            } finally {
                if (!done) {
                    Files.deleteIfExists(target);
                }
            }
        }
    }

    /** Runs the program to its end, calling the listener while it runs. */
    private static void run(List<String> arguments, Progress progress) throws IOException {
        Process process = new ProcessBuilder(arguments)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        StringBuilder stderr = new StringBuilder();
        Thread reader = new Thread(() -> keepTail(process.getErrorStream(), stderr), "clone-command-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                progress.tick();
            }
            reader.join(TimeUnit.SECONDS.toMillis(STOP_GRACE_SECONDS));
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("clone command interrupted");
        } catch (RuntimeException e) {
            stop(process);
            throw e;
        }
        if (process.exitValue() != 0) {
            String tail;
            synchronized (stderr) {
                tail = stderr.toString().strip();
            }
            boolean full = tail.contains("No space left on device") || tail.contains("Disk quota exceeded");
            throw new CloneException(full ? CloneException.Kind.NO_SPACE : CloneException.Kind.IO,
                    "clone command " + arguments + " exited with status " + process.exitValue()
                            + (tail.isEmpty() ? "" : ": " + tail));
        }
    }

    /** Keeps the last {@link #STDERR_TAIL} characters the program wrote to stderr. */
    private static void keepTail(InputStream stream, StringBuilder tail) {
        byte[] buffer = new byte[8192];
        try (stream) {
            int n;
            while ((n = stream.read(buffer)) > 0) {
                synchronized (tail) {
                    tail.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    if (tail.length() > STDERR_TAIL) {
                        tail.delete(0, tail.length() - STDERR_TAIL);
                    }
                }
            }
        } catch (IOException e) {
            // the program is gone; what was read is the tail
        }
    }

    /** Stops the program and whatever it started: politely, then not. */
    private static void stop(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                children.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
