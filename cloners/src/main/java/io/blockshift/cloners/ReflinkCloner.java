package io.blockshift.cloners;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes the target share the source's blocks with one {@code ioctl(FICLONE)}: instant and free of
 * extra space, on XFS (reflink=1), btrfs, bcachefs and NFS 4.2 servers that clone. Needs source and
 * target on one mounted filesystem.
 *
 * <ul>
 *   <li>Where the filesystem cannot clone (EOPNOTSUPP, EXDEV, EINVAL) it fails at once with
 *       {@link CloneException.Kind#NOT_SUPPORTED}, naming the cloners that can, and leaves no target.
 *   <li>All or nothing: it removes its target on any failure, and a resume clones again from the
 *       start. Bandwidth limits do not apply: no data moves.
 *   <li>Checksums only when {@link CloneRequest#verify()}: a clone shares the very blocks, so reading
 *       both would read the same bytes twice.
 * </ul>
 */
public final class ReflinkCloner implements Cloner {

    private static final String ADVICE = "; use --cloner sparse or plain instead";

    @Override
    public String name() {
        return "reflink";
    }

    @Override
    public String description() {
        return "shares the source's blocks (FICLONE): instant, no extra space; XFS with reflink, btrfs, NFS 4.2; one filesystem";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        String problem = Preconditions.whyNot(source, targetDirectory);
        if (problem != null) {
            return Suitability.no(problem);
        }
        try {
            FileStore sourceStore = Files.getFileStore(source);
            FileStore targetStore = Files.getFileStore(targetDirectory);
            if (!sourceStore.equals(targetStore)) {
                return Suitability.no("source is on the " + describe(sourceStore) + " and the target directory on the "
                        + describe(targetStore) + ": a clone needs both on one filesystem");
            }
            int errno = probe(targetDirectory);
            if (errno != 0) {
                return Suitability.no("the " + describe(sourceStore) + " cannot clone files: " + NativeFile.describe(errno));
            }
            return Suitability.yes("source and target share the " + describe(sourceStore) + ", which clones");
        } catch (IOException e) {
            return Suitability.no("cannot find out whether " + targetDirectory + " can clone: " + e.getMessage());
        }
    }

    /** "XFS filesystem at /mnt/x". */
    private static String describe(FileStore store) {
        String text = store.toString(); // "/mnt/x (/dev/loop0)"
        int device = text.lastIndexOf(" (");
        return store.type().toUpperCase(Locale.ROOT) + " filesystem at " + (device > 0 ? text.substring(0, device) : text);
    }

    /** Clones a 4 KiB scratch file into another in {@code directory}, removing both: 0 or the errno. */
    private static int probe(Path directory) throws IOException {
        String prefix = ".blockshift-reflink-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path from = directory.resolve(prefix + "-a");
        Path to = directory.resolve(prefix + "-b");
        try {
            Files.write(from, new byte[4096], StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (NativeFile in = NativeFile.openSource(from); NativeFile out = NativeFile.createTarget(to, 0600)) {
                return out.cloneFrom(in);
            }
        } finally {
            Files.deleteIfExists(to);
            Files.deleteIfExists(from);
        }
    }

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
        Path source = request.source();
        Path target = request.target();
        boolean resuming = request.resumeOffset() > 0 && Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        try (NativeFile in = NativeFile.openSource(source)) {
            long size = in.size();
            NativeFile out = resuming ? NativeFile.openTarget(target) : NativeFile.createTarget(target, CopyingCloner.modeOf(source));
            boolean done = false;
            try (out) {
                out.truncate(0);
                int errno = out.cloneFrom(in);
                if (errno != 0) {
                    throw new CloneException(CloneException.Kind.NOT_SUPPORTED, (errno == Libc.EXDEV
                            ? source + " and " + target.getParent() + " are on different filesystems, which cannot share blocks"
                            : "the filesystem of " + target.getParent() + " cannot clone files") + " ("
                            + NativeFile.describe(errno) + ")" + ADVICE);
                }
                out.fsync();
                Progress progress = new Progress(listener, 0, size);
                progress.advance(size);
                progress.durable(size);
                CloneResult result = new CloneResult(name(), size, size, null, null, null);
                if (request.verify()) {
                    result = Crc32cSum.compare(name(), in, out, size, size, progress::tick);
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
}
