package io.blockshift.activities.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One image as {@code qemu-img info --output=json} describes it.
 *
 * @param filename the image's file name as qemu-img opened it
 * @param format {@code raw}, {@code qcow2}, ...
 * @param virtualSize the size the guest sees, in bytes
 * @param actualSize bytes the file allocates
 * @param backingFilename the backing file as the header names it (maybe relative), or null
 * @param fullBackingFilename that backing file resolved against the image's directory, or null
 * @param backingFormat the backing file's format as the header records it, or null
 * @param snapshots how many internal snapshots the image holds
 * @param dataFile a qcow2's external data file, or null
 */
public record ImageInfo(
        String filename,
        String format,
        long virtualSize,
        long actualSize,
        String backingFilename,
        String fullBackingFilename,
        String backingFormat,
        int snapshots,
        String dataFile) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean hasBacking() {
        return backingFilename != null;
    }

    /** The images of {@code qemu-img info --backing-chain --output=json}, the top first. */
    public static List<ImageInfo> parseChain(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        List<ImageInfo> chain = new ArrayList<>();
        if (root.isArray()) {
            for (JsonNode image : root) {
                chain.add(parse(image));
            }
        } else {
            chain.add(parse(root)); // a single image without --backing-chain
        }
        return chain;
    }

    static ImageInfo parse(JsonNode image) {
        JsonNode snapshots = image.get("snapshots");
        return new ImageInfo(
                text(image, "filename"),
                text(image, "format"),
                image.path("virtual-size").asLong(0),
                image.path("actual-size").asLong(0),
                text(image, "backing-filename"),
                text(image, "full-backing-filename"),
                text(image, "backing-filename-format"),
                snapshots != null && snapshots.isArray() ? snapshots.size() : 0,
                text(image.path("format-specific").path("data"), "data-file"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
