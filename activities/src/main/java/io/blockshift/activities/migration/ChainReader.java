package io.blockshift.activities.migration;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.files.ImageInfo;
import io.blockshift.activities.files.QemuImg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the backing chain under a disk's image ({@code qemu-img info --backing-chain}) and says, naming
 * the fix, what makes it one blockshift cannot move: a layer that is missing, is not a regular file,
 * or a chain that loops. Only reads.
 */
final class ChainReader {

    private ChainReader() {
    }

    /** The chain, {@code image} first, with every layer's file name absolute and normalized. */
    static List<ImageInfo> read(Path image, String what) throws IOException, InterruptedException {
        List<ImageInfo> chain;
        try {
            chain = QemuImg.backingChain(image);
        } catch (IOException unreadable) {
            String why = diagnose(image, what);
            throw refuse(why != null ? why : what + ": qemu-img cannot read its backing chain ("
                    + unreadable.getMessage() + "); check each layer with 'qemu-img info " + image + "'");
        }
        List<ImageInfo> normalized = chain.stream().map(ChainReader::absolute).toList();
        for (int i = 1; i < normalized.size(); i++) {
            Path layer = Path.of(normalized.get(i).filename());
            if (!Files.isRegularFile(layer, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(layer)) {
                throw refuse(notAFile(what, layer, normalized.get(i - 1).filename()));
            }
        }
        return normalized;
    }

    /**
     * Walks the chain one header at a time, as qemu-img would, to find what stopped it: null when
     * nothing this walk can name.
     */
    static String diagnose(Path image, String what) throws IOException, InterruptedException {
        Set<Path> seen = new HashSet<>();
        Path layer = image;
        String namedBy = null;
        while (true) {
            if (!Files.exists(layer)) {
                return what + ": backing image " + layer + (namedBy == null ? "" : " (the backing file of " + namedBy + ")")
                        + " is missing: restore it, or point " + namedBy + " at the right file with 'qemu-img rebase -u -b "
                        + "FILE -F FORMAT " + namedBy + "' (only if FILE holds the same content), then start again";
            }
            if (!seen.add(layer.toRealPath())) {
                return what + ": its backing chain loops (" + namedBy + " names " + layer + ", which is already in the "
                        + "chain above it): no guest can be reading it as it is; point " + namedBy + " at the right backing "
                        + "file with 'qemu-img rebase -u' and start again";
            }
            if (namedBy != null && !Files.isRegularFile(layer)) {
                return notAFile(what, layer, namedBy);
            }
            ImageInfo info = QemuImg.info(layer);
            if (!info.hasBacking()) {
                return null;
            }
            namedBy = layer.toString();
            layer = backingPath(layer, info);
        }
    }

    private static String notAFile(String what, Path layer, String namedBy) {
        return what + ": backing image " + layer + " (the backing file of " + namedBy + ") is not a regular file: "
                + "blockshift moves chains of files only; pull the chain into the disk first ('virsh blockpull DOMAIN DISK "
                + "--wait') or move that layer with your storage's tools";
    }

    /** {@code info}'s backing file, resolved against {@code image}'s directory when relative. */
    private static Path backingPath(Path image, ImageInfo info) {
        String name = info.fullBackingFilename() != null ? info.fullBackingFilename() : info.backingFilename();
        Path backing = Path.of(name);
        return (backing.isAbsolute() ? backing : image.toAbsolutePath().getParent().resolve(backing)).normalize();
    }

    private static ImageInfo absolute(ImageInfo info) {
        Path file = Path.of(info.filename()).toAbsolutePath().normalize();
        return new ImageInfo(file.toString(), info.format(), info.virtualSize(), info.actualSize(), info.backingFilename(),
                info.fullBackingFilename(), info.backingFormat(), info.snapshots(), info.dataFile());
    }
}
