package io.blockshift.client.command;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import io.blockshift.client.Interrupts;
import io.blockshift.client.session.ProgressDisplay;
import io.blockshift.cloners.CloneException;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.DiskPhase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code blockshift clone}: one cloner run directly on two files, no VM and no Temporal involved. */
@Command(name = "clone",
        header = "Copy one image with a cloner (no VM, no Temporal).",
        description = {
            "Copies SOURCE to a new file TARGET with one of blockshift's cloners, as step 2 of a migration does,"
                    + " and verifies the copy: to try a cloner on your storage, or to time it.",
            "TARGET must not exist: clone never overwrites. The copy is written beside TARGET and renamed into"
                    + " place when complete; on a failure or Ctrl-C it is removed."},
        footer = {"", "Example:", "  blockshift clone --cloner sparse /srv/slow/vm1.img /srv/fast/vm1.img"})
public final class CloneCommand implements Callable<Integer> {

    /** Failures that leave nothing behind and that a retry here would not mend: refusals. */
    private static final Set<CloneException.Kind> REFUSALS = Set.of(
            CloneException.Kind.NOT_SUPPORTED, CloneException.Kind.TARGET_EXISTS, CloneException.Kind.SOURCE_UNAVAILABLE);

    @Mixin
    ClonerOptions copying;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "The file to copy.")
    Path source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The copy to create; it must not exist.")
    Path target;

    @Override
    public Integer call() {
        BlockshiftCli.logLevel("WARN");
        Path from = source.toAbsolutePath().normalize();
        Path to = target.toAbsolutePath().normalize();
        Path partial = to.resolveSibling("." + to.getFileName() + ".blockshift-partial");
        for (Path existing : new Path[] {to, partial}) {
            if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                return refuse(existing + " exists: clone never overwrites a file; remove it or name another target");
            }
        }
        Cloners.Choice choice;
        try {
            choice = Cloners.discover().choose(copying.cloner, from, to.getParent());
        } catch (IllegalArgumentException e) {
            return refuse(e.getMessage());
        }
        ProgressDisplay display = ProgressDisplay.onStderr();
        long start = System.nanoTime();
        CloneResult result;
        try (Interrupts.Flag canceled = Interrupts.flag(null)) {
            result = choice.cloner().clone(new CloneRequest(from, partial, copying.bandwidthMiBps << 20, 0, true),
                    (durableOffset, done, total) -> {
                        if (canceled.raised()) {
                            throw new CancellationException();
                        }
                        display.bytes(DiskPhase.CLONE.wire(), done, total);
                    });
            // A hard link publishes the copy atomically and never replaces a file that appeared meanwhile.
            Files.createLink(to, partial);
            Files.delete(partial);
        } catch (CancellationException e) {
            return removePartial(partial, ExitCodes.CANCELED, "canceled");
        } catch (CloneException e) {
            return removePartial(partial, REFUSALS.contains(e.kind()) ? ExitCodes.REFUSED : ExitCodes.ROLLED_BACK,
                    choice.cloner().name() + " failed (" + e.kind() + "): " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return removePartial(partial, ExitCodes.ROLLED_BACK, choice.cloner().name() + " failed: " + e);
        } finally {
            display.finish();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("cloned " + from + " to " + to + " in " + ProgressDisplay.duration(millis));
        System.out.println("cloner:   " + result.cloner() + " (" + choice.reason() + ")");
        System.out.println("copied:   " + ProgressDisplay.bytes(result.bytesCopied()) + " of "
                + ProgressDisplay.bytes(result.size()) + " (" + result.bytesCopied() + " bytes; holes and shared"
                + " blocks are not copied)");
        System.out.println("checksum: " + (result.targetChecksum() == null ? "none"
                : result.checksumAlgorithm() + " " + result.targetChecksum() + " (source and copy agree)"));
        return ExitCodes.OK;
    }

    private static int refuse(String message) {
        System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": " + message + ". Nothing was changed.");
        return ExitCodes.REFUSED;
    }

    /** Removes the partial copy after a failure: the exit status says whether that worked. */
    private static int removePartial(Path partial, int exitCode, String message) {
        try {
            boolean removed = Files.deleteIfExists(partial);
            System.err.println(ExitCodes.outcome(exitCode) + ": " + message
                    + (removed ? "; the partial copy was removed" : "") + ". Nothing was changed.");
            return exitCode;
        } catch (IOException e) {
            System.err.println(ExitCodes.outcome(ExitCodes.NEEDS_ATTENTION) + ": " + message
                    + "; removing the partial copy failed too (" + e.getMessage() + "): remove " + partial + " by hand");
            return ExitCodes.NEEDS_ATTENTION;
        }
    }
}
