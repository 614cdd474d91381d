package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.FileOwnership;
import io.blockshift.activities.files.ImageInfo;
import io.blockshift.activities.files.QemuImg;
import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrationPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copies {@code chain: copy} keeps of A's backing images in the target's directory, one per
 * image and shared by every disk moved there (see {@link ChainRules#copyOf}).
 *
 * <p>While a migration makes a copy, {@code COPY.blockshift-copying} beside it holds that
 * migration's target B: the mark that the copy is that migration's own. Its rollback deletes the
 * copies it marks and no other; it drops its marks once past the point of no return, and a copy
 * without a mark is a finished, shared one that another migration checks and reuses; a migration
 * that finds another one's mark waits for it to go. A copy is the
 * same image when its format, virtual size and backing file (the copy of the next layer) are what
 * they should be and {@code qemu-img compare} finds the guest sees the same content through it as
 * through the original.
 */
final class LayerCopies {

    private static final Logger log = LoggerFactory.getLogger(LayerCopies.class);
    private static final String MARK_SUFFIX = ".blockshift-copying";
    private static final String PARTIAL_SUFFIX = ".blockshift-partial";
    /** Comparing reads both images whole. */
    static final Duration COMPARE_TIMEOUT = Duration.ofHours(12);
    /** How often a migration waiting for another one's copy of a shared layer looks again. */
    private static final long WAIT_POLL_MILLIS = 500;

    /** Copies one file to another (the plan's cloner), reporting bytes copied. */
    interface Copier {
        long copy(Path source, Path partial) throws IOException;
    }

    /** What {@link #ensure} did: copies made and copies reused. */
    record Outcome(List<String> copied, List<String> reused) {
    }

    private LayerCopies() {
    }

    static Path mark(Path copy) {
        return Path.of(copy + MARK_SUFFIX);
    }

    static Path partial(Path copy) {
        return Path.of(copy + PARTIAL_SUFFIX);
    }

    /** Whether the layer already lies where its copy goes (the base is in the target's directory already). */
    static boolean inPlace(BackingLayer layer) throws IOException {
        Path copy = Path.of(layer.copy());
        Path original = Path.of(layer.path());
        // A retried clean-up may already have deleted the original (deleteUnusedBacking).
        return Files.exists(copy) && Files.exists(original) && Files.isSameFile(copy, original);
    }

    /** The backing file the copy of layer {@code i} must name: the copy of the next one, or null for the deepest. */
    static String expectedBacking(List<BackingLayer> layers, int i) {
        return i + 1 < layers.size() ? layers.get(i + 1).copy() : null;
    }

    /** Why the existing file at {@code layer.copy()} is not a copy of {@code layer}; null when it is. */
    static String whyNotSame(BackingLayer layer, String expectedBacking) throws IOException, InterruptedException {
        Path copy = Path.of(layer.copy());
        ImageInfo info = QemuImg.info(copy);
        if (!layer.format().equals(info.format())) {
            return "it is a " + info.format() + " image, not " + layer.format();
        }
        if (info.virtualSize() != layer.virtualSize()) {
            return "its virtual size is " + info.virtualSize() + " bytes, not " + layer.virtualSize();
        }
        String backing = info.fullBackingFilename() == null ? info.backingFilename() : info.fullBackingFilename();
        // A relative backing name is relative to the image's own directory, not to this process's.
        String normalized = backing == null ? null : copy.resolveSibling(backing).toAbsolutePath().normalize().toString();
        if (!Objects.equals(expectedBacking, normalized)) {
            return "its backing file is " + backing + ", not " + expectedBacking;
        }
        String differs = QemuImg.differences(Path.of(layer.path()), layer.format(), copy, info.format(), COMPARE_TIMEOUT);
        return differs == null ? null : "the guest would see other content through it (" + differs + ")";
    }

    /**
     * Makes (or finds and checks) the copy of every backing layer, deepest first, each rebased onto
     * the copy below it. Never writes over a file: a copy appears by a hard link from its partial name.
     */
    static Outcome ensure(MigrationPlan plan, Copier copier) throws IOException, InterruptedException {
        List<String> copied = new ArrayList<>();
        List<String> reused = new ArrayList<>();
        if (plan.chain() != ChainMode.COPY) {
            return new Outcome(copied, reused);
        }
        List<BackingLayer> layers = plan.backing();
        for (int i = layers.size() - 1; i >= 0; i--) {
            BackingLayer layer = layers.get(i);
            Path copy = Path.of(layer.copy());
            Path mark = mark(copy);
            Path partial = partial(copy);
            Heartbeat.now();
            if (inPlace(layer)) {
                continue;
            }
            awaitOtherMigration(plan, layer, copy);
            if (Files.exists(mark, LinkOption.NOFOLLOW_LINKS)) {
                if (!plan.target().equals(owner(copy))) {
                    i++; // another migration marked it since the wait: wait for that one too
                    continue;
                }
                if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS) && (!Files.exists(partial, LinkOption.NOFOLLOW_LINKS)
                        || Files.isSameFile(copy, partial))) {
                    // An earlier attempt of this step made it (and may have died before removing the partial's name).
                    Files.deleteIfExists(partial);
                    copied.add(copy.toString());
                    continue;
                }
                Files.deleteIfExists(partial);
            } else if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                String differs = whyNotSame(layer, expectedBacking(layers, i));
                if (differs != null) {
                    throw Failures.nonRetryable(copy + " already exists and is not a copy of backing image " + layer.path()
                            + ": " + differs + "; blockshift never overwrites a file: move it away, or use chain "
                            + "'flatten' or another target directory", StepFailureType.LAYER_COPY_DIFFERS);
                }
                log.info("clone: reusing {}, an earlier migration's copy of {}", copy, layer.path());
                reused.add(copy.toString());
                continue;
            } else {
                try {
                    Files.writeString(mark, plan.target(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException raced) {
                    throw Failures.retryable("another migration began copying " + layer.path() + " to " + copy
                            + " at the same moment", StepFailureType.LAYER_COPY_BUSY, raced);
                }
                // Only the holder of the mark writes the partial copy: one left here is from a rollback cut short.
                Files.deleteIfExists(partial);
            }
            copier.copy(Path.of(layer.path()), partial);
            String below = expectedBacking(layers, i);
            if (below != null) {
                QemuImg.rebaseUnsafe(partial, Path.of(below), layers.get(i + 1).format());
            }
            FileOwnership.copy(Path.of(layer.path()), partial);
            Files.createLink(copy, partial);
            Files.delete(partial);
            log.info("clone: copied backing image {} to {}", layer.path(), copy);
            copied.add(copy.toString());
        }
        return new Outcome(copied, reused);
    }

    /**
     * Waits while another migration, still running (it holds its target's claim), makes the copy this
     * one would share: it ends with the copy finished (its mark dropped past its point of no return)
     * or gone (its rollback). Heartbeats meanwhile, so a cancel stops the wait. A mark whose migration
     * has ended is left for a hand, since the copy may be half made.
     */
    private static void awaitOtherMigration(MigrationPlan plan, BackingLayer layer, Path copy)
            throws IOException, InterruptedException {
        long waitedSince = System.nanoTime();
        long lastLog = 0;
        while (true) {
            String owner = owner(copy);
            if (owner == null || owner.equals(plan.target())) {
                return;
            }
            if (!Files.exists(MigrationFiles.claimOn(Path.of(owner)), LinkOption.NOFOLLOW_LINKS)) {
                throw Failures.nonRetryable(copy + ", the copy of backing image " + layer.path() + " this migration "
                        + "would share, is marked as being made by the migration to " + owner + " (" + mark(copy)
                        + "), which is no longer running; check with 'qemu-img compare -U " + layer.path() + " " + copy
                        + "' and remove " + mark(copy) + " if the copy is whole (or both files if not, when nothing uses "
                        + "them), then start again", StepFailureType.LAYER_COPY_BUSY);
            }
            long waited = (System.nanoTime() - waitedSince) / 1_000_000_000L;
            if (waited >= lastLog + 60 || lastLog == 0) {
                log.info("clone: waiting ({} s so far) for the migration to {} to finish its copy {} of {}", waited, owner,
                        copy, layer.path());
                lastLog = Math.max(waited, 1);
            }
            Heartbeat.now();
            Thread.sleep(WAIT_POLL_MILLIS);
        }
    }

    /** The target of the migration whose mark is on {@code copy}, or null when none is. */
    private static String owner(Path copy) throws IOException {
        try {
            return Files.readString(mark(copy), StandardCharsets.UTF_8).strip();
        } catch (java.nio.file.NoSuchFileException none) {
            return null;
        }
    }

    /**
     * Deletes the copies this migration made (its marks name its target), never one it only reused
     * or one another migration made; none that {@code inUse} says a domain uses.
     */
    static List<String> deleteOwn(MigrationPlan plan, InUse inUse) throws IOException {
        List<String> deleted = new ArrayList<>();
        for (BackingLayer layer : plan.backing()) {
            if (layer.copy() == null) {
                continue;
            }
            Path copy = Path.of(layer.copy());
            if (!ownedBy(copy, plan)) {
                continue;
            }
            Heartbeat.now();
            if (Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                List<String> users = inUse.users(copy.toString());
                if (!users.isEmpty()) {
                    throw Failures.nonRetryable("refusing to delete " + copy + ", this migration's copy of " + layer.path()
                            + ": " + users + " use(s) it", StepFailureType.IN_USE);
                }
            }
            Files.deleteIfExists(partial(copy));
            if (Files.deleteIfExists(copy)) {
                deleted.add(copy.toString());
            }
            Files.delete(mark(copy));
        }
        return deleted;
    }

    /** Drops this migration's marks: its copies are finished and shared from now on. */
    static void release(MigrationPlan plan) throws IOException {
        for (BackingLayer layer : plan.backing()) {
            if (layer.copy() != null && ownedBy(Path.of(layer.copy()), plan)) {
                Files.delete(mark(Path.of(layer.copy())));
            }
        }
    }

    private static boolean ownedBy(Path copy, MigrationPlan plan) throws IOException {
        Path mark = mark(copy);
        return Files.exists(mark, LinkOption.NOFOLLOW_LINKS)
                && Files.readString(mark, StandardCharsets.UTF_8).strip().equals(plan.target());
    }

    /** Which domains on the host use a file (in any disk's chain). */
    interface InUse {
        List<String> users(String path) throws IOException;
    }
}
