package io.blockshift.client.session;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows how far a migration or a clone is. On a terminal one line is redrawn in place (step, bar,
 * bytes, rate, ETA); otherwise it prints plain lines, one when the step changes and at most one a
 * second while bytes move, such as {@code clone 512 MiB / 1024 MiB 50% 210 MiB/s eta 3s}.
 */
public final class ProgressDisplay {

    private static final long SECOND = 1_000_000_000L;
    /** The rate is measured over this much recent time, so the ETA follows changes of pace. */
    private static final long RATE_WINDOW = 5 * SECOND;
    private static final long REDRAW_INTERVAL = SECOND / 10;
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final Deque<long[]> samples = new ArrayDeque<>();
    private String step;
    private String line = "";
    private boolean drawn;
    private long lastPrint = Long.MIN_VALUE / 2;

    public ProgressDisplay(PrintStream out, boolean terminal, LongSupplier nanoTime) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    /** A display on stderr, redrawn in place when blockshift runs on a terminal. */
    public static ProgressDisplay onStderr() {
        return new ProgressDisplay(System.err, System.console() != null, System::nanoTime);
    }

    /** The step (or phase, such as {@code rolling back}) now running, without byte counts. */
    public synchronized void step(String name) {
        if (name == null || name.equals(step)) {
            return;
        }
        step = name;
        samples.clear();
        show(name, -1, true);
    }

    /** Bytes done of a step that reports them. */
    public synchronized void bytes(String name, long done, long total) {
        step(name);
        long now = nanoTime.getAsLong();
        samples.addLast(new long[] {now, done});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW) {
            samples.removeFirst();
        }
        show(progressLine(name, done, total, bytesPerSecond()), total > 0 ? percent(done, total) : -1, false);
    }

    /**
     * A status line of its own, such as a fleet's counts, with a bar at {@code percent} (or none
     * for -1). Plain output prints it when it changes: at once when {@code promptly}, else at most
     * once a second.
     */
    public synchronized void line(String text, int percent, boolean promptly) {
        show(text, percent, promptly);
    }

    /** A message of its own, on its own line, that does not disturb the progress line. */
    public synchronized void note(String message) {
        clear();
        out.println(message);
        if (terminal && !line.isEmpty()) {
            draw(line);
        }
    }

    /** Clears the progress line; the display may be used again. */
    public synchronized void finish() {
        clear();
        line = "";
        step = null;
        samples.clear();
    }

    /** The plain progress line: {@code clone 512 MiB / 1024 MiB 50% 210 MiB/s eta 3s}. */
    public static String progressLine(String step, long done, long total, double bytesPerSecond) {
        StringBuilder s = new StringBuilder(step).append(' ').append(bytes(done));
        if (total > 0) {
            s.append(" / ").append(bytes(total)).append(' ').append(percent(done, total)).append('%');
        }
        if (bytesPerSecond > 0) {
            s.append(' ').append(bytes((long) bytesPerSecond)).append("/s");
            if (total > done) {
                s.append(" eta ").append(duration((long) ((total - done) / bytesPerSecond * 1000)));
            }
        }
        return s.toString();
    }

    /** Bytes for people: KiB below 1 MiB, whole MiB below 100 GiB, GiB with a decimal above. */
    public static String bytes(long bytes) {
        if (bytes < (1L << 20)) {
            return (bytes + 1023) / 1024 + " KiB";
        }
        if (bytes < (100L << 30)) {
            return bytes / (1L << 20) + " MiB";
        }
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** A duration for people: {@code 850ms}, {@code 3.2s}, {@code 4m05s}, {@code 2h10m}. */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds / 60 % 60);
    }

    private static int percent(long done, long total) {
        return (int) Math.min(100, done * 100 / total);
    }

    private double bytesPerSecond() {
        long[] first = samples.peekFirst();
        long[] last = samples.peekLast();
        long elapsed = last[0] - first[0];
        return elapsed < SECOND / 4 ? 0 : (last[1] - first[1]) * (double) SECOND / elapsed;
    }

    private void show(String text, int percent, boolean stepChanged) {
        long now = nanoTime.getAsLong();
        if (terminal) {
            String bar = barLine(text, percent);
            if (!bar.equals(line) && (stepChanged || now - lastPrint >= REDRAW_INTERVAL)) {
                line = bar;
                lastPrint = now;
                draw(bar);
            }
        } else if (!text.equals(line) && (stepChanged || now - lastPrint >= SECOND)) {
            line = text;
            lastPrint = now;
            out.println(text);
        }
    }

    /** The terminal's line: the plain line with a bar after the step name. */
    private static String barLine(String text, int percent) {
        int space = text.indexOf(' ');
        if (percent < 0 || space < 0) {
            return text;
        }
        int filled = percent * BAR_WIDTH / 100;
        return String.format(Locale.ROOT, "%-8s [%s%s] %s", text.substring(0, space),
                "#".repeat(filled), "-".repeat(BAR_WIDTH - filled), text.substring(space + 1));
    }

    private void draw(String text) {
        out.print("\r" + text + "\033[K");
        out.flush();
        drawn = true;
    }

    private void clear() {
        if (terminal && drawn) {
            out.print("\r\033[K");
            out.flush();
            drawn = false;
        }
    }
}
