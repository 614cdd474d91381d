package io.blockshift.activities.migration;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.files.ImageInfo;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Preflight's part for backing chains: reads A's chain, refuses what cannot move with the requested
 * mode (naming the fix), checks any copy an earlier migration left in the target's directory is the
 * same image, and resolves the layers into the plan. Only reads.
 */
final class ChainPreflight {

    private ChainPreflight() {
    }

    /** A's backing images, nearest first, each with where {@code copy} puts its copy; empty when A has none. */
    static List<BackingLayer> backing(String what, Path source, ChainMode mode, Path target, StorageRoots roots)
            throws IOException, InterruptedException {
        List<ImageInfo> chain = ChainReader.read(source, what);
        String refusal = ChainRules.whyNot(what, chain, mode, target, MigrationFiles.beside(target).all(),
                file -> roots.contains(file.toRealPath()), roots.toString());
        if (refusal != null) {
            throw refuse(refusal);
        }
        List<BackingLayer> layers = new ArrayList<>();
        for (ImageInfo image : chain.subList(1, chain.size())) {
            Path copy = mode == ChainMode.COPY ? ChainRules.copyOf(Path.of(image.filename()), target.getParent()) : null;
            layers.add(new BackingLayer(image.filename(), image.format(), image.virtualSize(), image.actualSize(),
                    copy == null ? null : copy.toString()));
        }
        for (int i = 0; i < layers.size(); i++) {
            BackingLayer layer = layers.get(i);
            if (layer.copy() == null || !existsFinished(layer) || LayerCopies.inPlace(layer)) {
                continue;
            }
            String differs = LayerCopies.whyNotSame(layer, LayerCopies.expectedBacking(layers, i));
            if (differs != null) {
                throw refuse(what + ": " + layer.copy() + " already exists and is not a copy of its backing image "
                        + layer.path() + " (" + differs + "); blockshift never overwrites a file: move it away, or use "
                        + "chain 'flatten' or another target directory");
            }
        }
        return layers;
    }

    /** Bytes the clone step writes for the backing images besides A itself. */
    static long bytesToCopy(ChainMode mode, List<BackingLayer> layers) throws IOException {
        long bytes = 0;
        for (BackingLayer layer : layers) {
            if (mode == ChainMode.FLATTEN || (mode == ChainMode.COPY && !existsFinished(layer))) {
                bytes += layer.allocated();
            }
        }
        return bytes;
    }

    /** Whether the layer's copy exists and no migration is still making it. */
    private static boolean existsFinished(BackingLayer layer) {
        Path copy = Path.of(layer.copy());
        return Files.exists(copy, LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(LayerCopies.mark(copy), LinkOption.NOFOLLOW_LINKS);
    }
}
