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

    /**
     * What qemu-img says of an image.
     *
     * @param format the detected format
     * @param virtualSize the guest-visible size
     * @param actualSize bytes allocated on disk
     * @param backingFile the backing file, or null
     */
    public record Info(String format, long virtualSize, long actualSize, String backingFile) {
    }

    /** Reads an image's header, sharing it with the QEMU that has it open. */
    public static Info info(Path image) throws IOException, InterruptedException {
        String out = Command.run(List.of("qemu-img", "info", "--force-share", "--output=json", image.toString()), TIMEOUT);
        JsonNode node = JSON.readTree(out);
        return new Info(
                node.path("format").asText(null),
                node.path("virtual-size").asLong(),
                node.path("actual-size").asLong(),
                node.hasNonNull("backing-filename") ? node.get("backing-filename").asText() : null);
    }

    /** Creates an empty qcow2 {@code overlay} backed by {@code backing} of {@code backingFormat}. */
    public static void createOverlay(Path overlay, Path backing, String backingFormat) throws IOException, InterruptedException {
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2",
                "-b", backing.toString(), "-F", backingFormat, overlay.toString()), TIMEOUT);
    }
}
