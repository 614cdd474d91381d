package io.blockshift.activities.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories a worker may write in. A worker runs as root and anyone who can start a
 * workflow can name a target, so every target is judged after symlinks and {@code ..} are resolved.
 */
public final class StorageRoots {

    public static final Path DEFAULT = Path.of("/var/lib/libvirt/images");

    private final List<Path> roots;

    public StorageRoots(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    public static StorageRoots of(Path... roots) {
        return new StorageRoots(List.of(roots));
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * Whether a new file at {@code target} would lie inside a root, judged on the real path of its
     * directory (which must exist).
     */
    public boolean contains(Path target) throws IOException {
        return inside(target.getParent().toRealPath().resolve(target.getFileName()));
    }

    /**
     * Whether files created in {@code directory} (which must exist) would lie inside a root, judged
     * on its real path.
     */
    public boolean containsDirectory(Path directory) throws IOException {
        return inside(directory.toRealPath());
    }

    private boolean inside(Path resolved) throws IOException {
        for (Path root : roots) {
            if (Files.isDirectory(root) && resolved.startsWith(root.toRealPath())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a new file at {@code target} (absolute, normalized) could not be made here, naming the
     * fix: its directory does not exist, or it lies outside every root once links and {@code ..}
     * are resolved; null when it could.
     */
    public String whyNotWritable(Path target) throws IOException {
        Path directory = target.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            return "the target's directory " + directory + " does not exist; create it first (mkdir -p " + directory + ")";
        }
        if (contains(target)) {
            return null;
        }
        Path real = directory.toRealPath();
        return "target " + target + " (" + real.resolve(target.getFileName()) + " once links are resolved) is outside "
                + "this worker's storage roots (" + this + "); choose a target inside them or start the worker with "
                + "--storage-root " + real;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        roots.forEach(r -> names.add(r.toString()));
        return String.join(", ", names);
    }
}
