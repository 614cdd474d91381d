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

    /** Creates an empty qcow2 {@code overlay} backed by {@code backing} of {@code backingFormat}. */
    public static void createOverlay(Path overlay, Path backing, String backingFormat) throws IOException, InterruptedException {
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2",
                "-b", backing.toString(), "-F", backingFormat, overlay.toString()), TIMEOUT);
    }
}
