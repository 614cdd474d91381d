package io.blockshift.activities.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The qemu-img calls blockshift makes. */
public final class QemuImg {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private QemuImg() {
    }

    /** The image's backing file as its header names it, or null; read while QEMU may hold it open. */
    public static String backingFile(Path image) throws IOException, InterruptedException {
        String out = Command.run(List.of("qemu-img", "info", "--force-share", "--output=json", image.toString()), TIMEOUT);
        JsonNode backing = JSON.readTree(out).get("backing-filename");
        return backing == null || backing.isNull() ? null : backing.asText();
    }

    /**
     * Whether the image holds anything of its own, data or zeroes written over its backing file:
     * false only for an overlay nothing has written to since it was made.
     */
    public static boolean hasDataOfItsOwn(Path image) throws IOException, InterruptedException {
        String out = Command.run(List.of("qemu-img", "map", "--force-share", "--output=json", image.toString()), TIMEOUT);
        for (JsonNode extent : JSON.readTree(out)) {
            if (extent.path("depth").asInt(-1) == 0 && extent.path("present").asBoolean(true)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The image and every backing image under it, {@code image} first, as {@code qemu-img info
     * --backing-chain} reads them while QEMU may hold them open.
     *
     * @throws IOException when a layer is missing, the chain loops, or qemu-img cannot read one
     */
    public static List<ImageInfo> backingChain(Path image) throws IOException, InterruptedException {
        return ImageInfo.parseChain(Command.run(List.of("qemu-img", "info", "--force-share", "--backing-chain",
                "--output=json", image.toString()), TIMEOUT));
    }

    /** One image's header alone (its backing file is named, not opened). */
    public static ImageInfo info(Path image) throws IOException, InterruptedException {
        return ImageInfo.parse(JSON.readTree(Command.run(List.of("qemu-img", "info", "--force-share", "--output=json",
                image.toString()), TIMEOUT)));
    }

    /**
     * Rewrites the backing file {@code image}'s header names, copying nothing ({@code rebase -u}):
     * only for a new backing file with the same content as the old.
     */
    public static void rebaseUnsafe(Path image, Path backing, String backingFormat) throws IOException, InterruptedException {
        Command.run(List.of("qemu-img", "rebase", "-u", "-b", backing.toString(), "-F", backingFormat, image.toString()),
                TIMEOUT);
    }

    /**
     * Writes {@code target} (which must not exist: qemu-img replaces a file) as one standalone qcow2
     * with everything the guest sees through {@code source} and its backing chain.
     */
    public static void flatten(Path source, String sourceFormat, Path target, Duration timeout)
            throws IOException, InterruptedException {
        Command.run(List.of("qemu-img", "convert", "-U", "-f", sourceFormat, "-O", "qcow2", source.toString(),
                target.toString()), timeout);
    }

    /**
     * Whether the guest sees the same content through {@code a} and {@code b} (each with its backing
     * chain, not the files' bytes), read while QEMU may hold them open: null when it does, else what
     * {@code qemu-img compare} said differs (its exit 1).
     */
    public static String differences(Path a, String aFormat, Path b, String bFormat, Duration timeout)
            throws IOException, InterruptedException {
        try {
            Command.run(List.of("qemu-img", "compare", "-U", "-f", aFormat, "-F", bFormat, a.toString(), b.toString()),
                    timeout);
            return null;
        } catch (IOException e) {
            // compare exits 1 when the images differ and 2 or more when it could not tell.
            if (e.getMessage() != null && e.getMessage().contains("failed (exit 1)")) {
                return e.getMessage();
            }
            throw e;
        }
    }

    /** Creates an empty qcow2 {@code overlay} backed by {@code backing} of {@code backingFormat}. */
    public static void createOverlay(Path overlay, Path backing, String backingFormat) throws IOException, InterruptedException {
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2",
                "-b", backing.toString(), "-F", backingFormat, overlay.toString()), TIMEOUT);
    }
}
