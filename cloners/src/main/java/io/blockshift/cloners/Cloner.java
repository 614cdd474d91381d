package io.blockshift.cloners;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Step 2 of a migration: makes {@code target} a copy of the base image {@code source}, which no
 * longer changes while this runs (the guest writes to a snapshot overlay).
 *
 * <p>Implementations are discovered with {@link java.util.ServiceLoader}: a storage vendor adds a
 * cloner by putting a jar with a {@code META-INF/services/io.blockshift.cloners.Cloner} entry on the
 * worker's classpath. This module knows nothing of Temporal or libvirt, so such a jar needs only it.
 *
 * <p>Contract:
 * <ul>
 *   <li>Never overwrite a file that was not made by this same clone: {@code target} does not exist
 *       when {@link CloneRequest#resumeOffset()} is 0; when it is larger, {@code target} is this
 *       cloner's own partial copy from an earlier attempt, durable up to that offset.
 *   <li>Report progress through {@link CloneListener#durable} only for bytes that are on stable
 *       storage (after fdatasync), so a retry after a crash may resume from there.
 *   <li>The listener may throw (a cancel, say): stop promptly and let the exception propagate.
 *       The caller removes the partial target. Call it at least every quarter second, repeating
 *       the last durable offset when nothing new is durable, so that a cancel is heard promptly.
 *   <li>On failure, a cloner that can resume (plain, sparse) leaves its partial target for a retry;
 *       one that cannot (reflink, command) removes it. Either way it never removes anything else.
 *   <li>Fail with {@link CloneException} and the {@link CloneException.Kind} that says whether a
 *       retry could help.
 * </ul>
 */
public interface Cloner {

    /** The name operators pass as {@code --cloner} and the history records. */
    String name();

    /** One line for {@code --help}: what it does and where it works. */
    String description();

    /**
     * Whether this cloner can clone {@code source} into a new file in {@code targetDirectory}, and
     * if not, why. Must be cheap and must change nothing on disk beyond a probe it removes again.
     */
    Suitability suitability(Path source, Path targetDirectory);

    /** Copies the source to the target. */
    CloneResult clone(CloneRequest request, CloneListener listener) throws IOException;

    /**
     * What {@link #clone} reports, for a {@code request.target()} that an earlier attempt finished
     * but could not report (its worker died after the copy was complete): the checksums this cloner
     * takes for such a request, taken again from the source and the finished target, or none where
     * it takes none. Copies nothing ({@code bytesCopied} 0) and changes nothing; calls the listener
     * as {@link #clone} does.
     *
     * <p>The default checksums when {@link CloneRequest#verify()}, as reflink and command do.
     *
     * @throws CloneException VERIFICATION_FAILED when source and target differ
     */
    default CloneResult recheck(CloneRequest request, CloneListener listener) throws IOException {
        return Crc32cSum.recheck(name(), request, request.verify(), listener);
    }
}
