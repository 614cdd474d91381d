package io.blockshift.client;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.client.server.EmbeddedTemporal;
import io.blockshift.client.session.MigrationOutcome;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.client.session.WorkflowSession;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskWorkflow;
import io.blockshift.workflows.MigrationPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code blockshift demo}: a whole migration on a throwaway VM, with guest writes before, during
 * and after it, every MiB of the result checked, and everything removed again.
 */
@Command(name = "demo",
        header = "Migrate a throwaway VM's disk and check every write (start here).",
        description = {
            "For trying blockshift with no VM to spare. As root on Debian it first installs libvirt and QEMU if"
                    + " they are missing (apt-get install -y " + "libvirt-daemon-system qemu-system-x86 qemu-utils)"
                    + " and starts virtlogd and libvirtd; elsewhere it says what to run.",
            "Then it creates a scratch directory /var/tmp/blockshift-demo-*/ with src/ and dst/, a 256 MiB raw disk"
                    + " with 64 MiB of data, and a throwaway VM (64 MiB RAM, no OS) running on it; writes to the disk"
                    + " as the guest would, before and all through the migration; moves the disk from src/ to dst/"
                    + " exactly as 'migrate' does, with an embedded Temporal server and worker; and checks every MiB"
                    + " of the moved disk, that the old files are gone, and that the VM's live and persistent"
                    + " definitions name the new disk.",
            "It removes the VM and the scratch directory at the end, also after a failure or Ctrl-C (which cancels"
                    + " the migration: it rolls back first)."})
final class DemoCommand implements Callable<Integer> {

    /** How often the guest writes while the disk moves. */
    private static final long WRITE_INTERVAL_MILLIS = 40;

    @Option(names = "--keep", description = "Keep the VM and the scratch directory for a look afterwards.")
    boolean keep;

    private final PrintStream out = System.out;
    private Interrupts.Flag interrupted;
    /** The embedded server and worker stopping, once the migration is over. */
    private CompletableFuture<Void> stopping;

    @Override
    public Integer call() throws Exception {
        BlockshiftCli.logLevel("WARN");
        long demoStart = System.nanoTime();
        out.println("blockshift demo: moves the disk of a throwaway VM to another directory while the guest writes"
                + " to it, then checks every write");
        Stopwatch watch = new Stopwatch();
        // Until the migration starts, Ctrl-C stops the demo at the next stage; then the session cancels it.
        try (Interrupts.Flag flag = Interrupts.flag("canceling: the demo stops after this stage and removes what it made")) {
            interrupted = flag;
            return prepareAndRun(watch, demoStart);
        } catch (Canceled e) {
            System.err.println(ExitCodes.outcome(ExitCodes.CANCELED) + ": the demo was interrupted before the migration"
                    + " started; it removed what it had made");
            return ExitCodes.CANCELED;
        }
    }

    private int prepareAndRun(Stopwatch watch, long demoStart) throws Exception {
        try {
            for (String action : new DemoHost(out).prepare()) {
                out.println("  " + action);
            }
        } catch (DemoHost.NotReady e) {
            System.err.println(e.getMessage());
            return ExitCodes.USAGE;
        }
        watch.lap("host", "libvirt and QEMU installed, virtlogd and libvirtd running");
        checkpoint();

        try (LibvirtConnections libvirt = new LibvirtConnections()) {
            DemoVm vm = DemoVm.create(libvirt);
            Thread removeOnExit = new Thread(vm::close, "remove-demo-vm");
            if (!keep) {
                Runtime.getRuntime().addShutdownHook(removeOnExit);
            }
            try {
                return run(vm, watch);
            } finally {
                String stopped = stopping == null ? "" : "; stopped the embedded Temporal server and worker";
                if (keep) {
                    awaitStopped();
                    out.println("kept: domain " + vm.name + " and " + vm.dir + "; remove them with: virsh destroy "
                            + vm.name + "; virsh undefine " + vm.name + "; rm -rf " + vm.dir);
                } else {
                    vm.close();
                    removeShutdownHook(removeOnExit);
                    awaitStopped();
                    watch.lap("remove", "destroyed and undefined " + vm.name + ", deleted " + vm.dir + stopped);
                }
                out.printf(Locale.ROOT, "demo took %s%n", ProgressDisplay.duration(millisSince(demoStart)));
            }
        }
    }

    /** Ends the demo here if Ctrl-C came. */
    private void checkpoint() throws Canceled {
        if (interrupted.raised()) {
            throw new Canceled();
        }
    }

    /** Ctrl-C before the migration started. */
    private static final class Canceled extends Exception {
        Canceled() {
            super(null, null, false, false);
        }
    }

    private int run(DemoVm vm, Stopwatch watch) throws Exception {
        // The server takes seconds to start: it starts while the VM boots and the guest writes.
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        CompletableFuture<EmbeddedTemporal> starting = CompletableFuture.supplyAsync(() -> startTemporal(vm.dst, notes));
        MigrationOutcome outcome;
        try {
            checkpoint();
            vm.start();
            watch.lap("vm", "created " + vm.dir + " (src/, dst/), a " + DemoVm.SIZE_MIB + " MiB raw disk with "
                    + DemoVm.DATA_MIB + " MiB of data, and started VM " + vm.name + " on it");
            int[][] before = {{10, 0x11}, {70, 0x22}, {100, 0x77}, {150, 0x33}, {200, 0x44}, {255, 0x55}};
            for (int[] write : before) {
                requireWritten(vm.write(write[0], write[1]));
            }
            watch.lap("write", "the guest wrote " + before.length + " MiB at scattered offsets");
            checkpoint();
            EmbeddedTemporal temporal = awaitStarted(starting);
            out.print(notes);
            watch.lap("temporal", "the embedded Temporal server and a worker that may write in " + vm.dst
                    + " are up (started alongside the VM)");
            checkpoint();
            outcome = migrate(vm, temporal, watch);
        } finally {
            // Stopping takes a second or two: it goes on while the demo verifies and removes the VM.
            stopping = CompletableFuture.runAsync(() -> stopWhenStarted(starting));
        }
        boolean movedBack = outcome.exitCode() == ExitCodes.CANCELED || outcome.exitCode() == ExitCodes.ROLLED_BACK;
        if (outcome.exitCode() != ExitCodes.OK) {
            int exitCode = WorkflowSession.report(outcome, false, out, System.err);
            // A rollback must leave the guest on A with every write in it: the demo checks that too.
            return movedBack && verify(vm, vm.image, "A", outcome.plan(), watch) ? exitCode : ExitCodes.NEEDS_ATTENTION;
        }
        if (outcome.result() != null) { // null when the cancel came late and no status query answered
            MigrationOutcome.summary(outcome.result()).forEach(line -> out.println("  | " + line));
        }
        requireWritten(vm.write(5, 0xee));
        watch.lap("write", "the guest wrote 1 MiB more, now on the new disk");
        return verify(vm, vm.target, "B", outcome.plan(), watch) ? ExitCodes.OK : ExitCodes.NEEDS_ATTENTION;
    }

    /** Moves vda from src/ to dst/ through the same session as {@code migrate}, the guest writing all along. */
    private MigrationOutcome migrate(DemoVm vm, EmbeddedTemporal temporal, Stopwatch watch) throws InterruptedException {
        MigrateDiskRequest request = new MigrateDiskRequest(vm.name, "vda", vm.target.toString());
        GuestWriter writer = new GuestWriter(vm);
        writer.start();
        MigrationOutcome outcome;
        try {
            outcome = WorkflowSession.migration(temporal.client(), MigrateDiskWorkflow.TASK_QUEUE, ProgressDisplay.onStderr(),
                    null, temporal.ifAbandoned()).run(request, "demo-" + vm.name, out);
        } finally {
            writer.stopAndJoin();
        }
        watch.lap("migrate", (outcome.exitCode() == ExitCodes.OK ? "moved vda from " + vm.image + " to " + vm.target
                : "did not move vda (" + ExitCodes.outcome(outcome.exitCode()) + ")") + " while the guest wrote "
                + writer.written + " MiB" + (writer.failed.isEmpty() ? "" : " (" + writer.failed.size()
                + " write(s) failed and are not checked: " + writer.failed.get(0) + ")"));
        return outcome;
    }

    private static EmbeddedTemporal startTemporal(Path writable, ByteArrayOutputStream notes) {
        try {
            return EmbeddedTemporal.start(MigrateDiskWorkflow.TASK_QUEUE, StorageRoots.of(writable),
                    new PrintStream(notes, true, StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            throw new CompletionException(e);
        }
    }

    private static EmbeddedTemporal awaitStarted(CompletableFuture<EmbeddedTemporal> starting) throws Exception {
        try {
            return starting.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void stopWhenStarted(CompletableFuture<EmbeddedTemporal> starting) {
        try {
            starting.join().close();
        } catch (CompletionException neverStarted) {
            // Nothing to stop.
        }
    }

    /**
     * Checks that every MiB of {@code disk} (called {@code name}: A after a rollback, B after a
     * migration) holds what the guest wrote, that it is the only file left of A, A', B' and B, and
     * that the domain's live and persistent definitions name it.
     */
    private boolean verify(DemoVm vm, Path disk, String name, MigrationPlan plan, Stopwatch watch) throws Exception {
        List<String> problems = new ArrayList<>();
        List<Integer> bad = vm.mismatches(disk);
        if (!bad.isEmpty()) {
            problems.add("MiB " + bad + " of " + disk + " do not hold what the guest wrote there");
        }
        List<Path> gone = new ArrayList<>(List.of(vm.image, vm.target));
        if (plan != null) {
            gone.addAll(List.of(Path.of(plan.top()), Path.of(plan.overlay()), Path.of(plan.partialTarget())));
        }
        gone.remove(disk);
        for (Path path : gone) {
            if (Files.exists(path)) {
                problems.add(path + " is still there");
            }
        }
        List<String> files = vm.files();
        if (!files.equals(List.of(vm.dir.relativize(disk).toString()))) {
            problems.add("the scratch directory should hold only " + disk + " but holds " + files);
        }
        String[] sources = vm.vdaSources();
        if (!Arrays.stream(sources).allMatch(disk.toString()::equals)) {
            problems.add("vda should name " + disk + " but the live XML names " + sources[0]
                    + " and the persistent XML " + sources[1]);
        }
        watch.lap("verify", problems.isEmpty()
                ? "all " + vm.checkedMiB() + " MiB of " + name + " (" + disk + ") hold what the guest wrote (qemu-io"
                        + " read -P); it is the only image left; the live and persistent XML name it"
                : "FAILED");
        problems.forEach(p -> System.err.println("verification failed: " + p));
        return problems.isEmpty();
    }

    private static void requireWritten(String error) {
        if (error != null) {
            throw new IllegalStateException("the guest's write failed: " + error);
        }
    }

    private void awaitStopped() {
        if (stopping != null) {
            stopping.join();
        }
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // Already running.
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** Prints each stage of the demo with what it did and how long it took. */
    private final class Stopwatch {
        private long lap = System.nanoTime();

        void lap(String stage, String what) {
            out.printf(Locale.ROOT, "%-9s %8s  %s%n", stage, ProgressDisplay.duration(millisSince(lap)), what);
            lap = System.nanoTime();
        }
    }

    /** Writes as the guest would, every few milliseconds, all through the migration. */
    private static final class GuestWriter extends Thread {
        private final DemoVm vm;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<String> failed = new ArrayList<>();
        private int written;

        GuestWriter(DemoVm vm) {
            super("demo-guest-writes");
            setDaemon(true);
            this.vm = vm;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                // Scattered over the part of the disk above the initial data, patterns 0x80 to 0xdf.
                int mib = DemoVm.DATA_MIB + (i * 37) % (DemoVm.SIZE_MIB - DemoVm.DATA_MIB);
                try {
                    String error = vm.write(mib, 0x80 + i % 0x60);
                    if (error == null) {
                        written++;
                    } else {
                        failed.add("MiB " + mib + ": " + error);
                    }
                    Thread.sleep(WRITE_INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    failed.add("MiB " + mib + ": " + e.getMessage());
                }
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            join();
        }
    }
}
