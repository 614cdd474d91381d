package io.blockshift.activities.migration;

import io.blockshift.activities.files.ImageInfo;
import io.blockshift.workflows.ChainMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a backing chain must be for each {@link ChainMode}, and where {@code copy} puts each layer's
 * copy: the rules alone, on a chain {@link ChainReader} read, so they are tested without files.
 */
final class ChainRules {

    /** Whether a file lies inside the worker's storage roots (after links and {@code ..}). */
    interface Roots {
        boolean contain(Path file) throws IOException;
    }

    private ChainRules() {
    }

    /**
     * Where {@code copy} keeps a copy of {@code layer}: in the target's directory under the layer's
     * own file name, so every disk moved to that directory over the same base finds the same copy.
     */
    static Path copyOf(Path layer, Path targetDirectory) {
        return targetDirectory.resolve(layer.getFileName());
    }

    /**
     * Why {@code chain} (A first, then its backing images) cannot move with {@code mode} to
     * {@code target}, naming the fix; null when it can. A chain of A alone always can.
     *
     * @param workingFiles the files of this migration beside the target, which a copy must not be named as
     */
    static String whyNot(String what, List<ImageInfo> chain, ChainMode mode, Path target, List<Path> workingFiles,
            Roots roots, String rootsNamed) throws IOException {
        if (chain.size() < 2) {
            return null;
        }
        for (ImageInfo image : chain) {
            if (image.snapshots() > 0) {
                return what + ": " + image.filename() + " holds " + image.snapshots() + " internal snapshot(s), which "
                        + "blockshift does not carry to the new storage: they would be lost. List them with 'qemu-img "
                        + "snapshot -U -l " + image.filename() + "', delete them (virsh snapshot-delete, or 'qemu-img "
                        + "snapshot -d' while no VM uses the image) or leave this disk where it is, then start again";
            }
            if (image.dataFile() != null) {
                return what + ": " + image.filename() + " keeps its data in an external file (" + image.dataFile()
                        + "): blockshift moves chains of self-contained images only; convert it with 'qemu-img convert'";
            }
        }
        List<ImageInfo> backing = chain.subList(1, chain.size());
        if (mode == ChainMode.SHALLOW) {
            for (ImageInfo layer : backing) {
                if (!roots.contain(Path.of(layer.filename()))) {
                    return what + ": chain 'shallow' would leave B backed by " + layer.filename() + ", which lies "
                            + "outside this worker's storage roots (" + rootsNamed + "), the storage the target side is "
                            + "given to reach; use chain 'copy' or 'flatten' to bring it along, or start the worker with "
                            + "--storage-root naming its directory";
                }
            }
        }
        if (mode == ChainMode.COPY) {
            Map<Path, String> copies = new HashMap<>();
            for (ImageInfo layer : backing) {
                Path copy = copyOf(Path.of(layer.filename()), target.getParent());
                String other = copies.putIfAbsent(copy, layer.filename());
                if (other != null) {
                    return what + ": backing images " + other + " and " + layer.filename() + " have the same file name, "
                            + "so their copies in " + target.getParent() + " would collide; use chain 'flatten'";
                }
                if (copy.equals(target) || workingFiles.contains(copy) || copy.toString().equals(chain.get(0).filename())) {
                    return what + ": backing image " + layer.filename() + " would be copied to " + copy + ", a name this "
                            + "migration uses for its own files; choose a target with another name, or use chain 'flatten'";
                }
            }
        }
        return null;
    }
}
