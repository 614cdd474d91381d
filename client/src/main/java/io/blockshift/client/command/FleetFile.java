package io.blockshift.client.command;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.blockshift.client.ExitCodes;
import io.blockshift.workflows.MigrateFleetRequest;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A fleet written in a file: the very JSON object {@code temporal workflow start --type MigrateFleet
 * --input} takes, or the same object in YAML. It is read with the mapper Temporal's data converter
 * uses, so the workflow would read it the same way, and checked as the workflow checks it (unknown
 * fields refused by name) before anything starts.
 */
final class FleetFile {

    /** What is wrong with a fleet file, and the exit status that says so. */
    static final class Refused extends Exception {
        final int exitCode;

        Refused(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private FleetFile() {
    }

    /**
     * The fleet in {@code file}: YAML for {@code .yaml} and {@code .yml}, otherwise JSON when the
     * file starts with {@code {}, else YAML.
     *
     * @throws Refused {@link ExitCodes#USAGE} when the file cannot be read, {@link ExitCodes#REFUSED}
     *     when it is not a fleet (its message names the problem)
     */
    static MigrateFleetRequest read(Path file) throws Refused {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Refused(ExitCodes.USAGE, "no fleet file " + file + ": give the path of a JSON or YAML file");
        } catch (IOException e) {
            throw new Refused(ExitCodes.USAGE, "cannot read the fleet file " + file + ": " + e.getMessage());
        }
        boolean yaml = isYaml(file, text);
        JsonNode tree;
        try {
            tree = (yaml ? YAML : JSON).readTree(text);
        } catch (JacksonException e) {
            throw new Refused(ExitCodes.REFUSED, file + " is not valid " + (yaml ? "YAML" : "JSON") + ": "
                    + e.getOriginalMessage() + location(e) + ". Nothing was started.");
        }
        if (tree == null || !tree.isObject()) {
            throw new Refused(ExitCodes.REFUSED, file + " is not a fleet: it holds " + describe(tree) + ", not an object"
                    + " with 'migrations' (a list of MigrateDisk inputs) or 'select'. Nothing was started.");
        }
        MigrateFleetRequest request;
        try {
            request = JSON.treeToValue(tree, MigrateFleetRequest.class);
        } catch (JsonMappingException e) {
            throw new Refused(ExitCodes.REFUSED, file + ": " + fieldPath(e) + e.getOriginalMessage().lines().findFirst()
                    .orElse("") + ". Nothing was started.");
        } catch (JacksonException e) {
            throw new Refused(ExitCodes.REFUSED, file + ": " + e.getOriginalMessage() + ". Nothing was started.");
        }
        List<String> problems = request.problems();
        if (!problems.isEmpty()) {
            throw new Refused(ExitCodes.REFUSED, file + ": " + String.join("; ", problems) + ". Nothing was started.");
        }
        return request;
    }

    private static boolean isYaml(Path file, String text) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return true;
        }
        if (name.endsWith(".json")) {
            return false;
        }
        return !text.stripLeading().startsWith("{");
    }

    private static String describe(JsonNode tree) {
        if (tree == null || tree.isMissingNode()) {
            return "nothing";
        }
        return switch (tree.getNodeType()) {
            case ARRAY -> "a list";
            case STRING -> "just text";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> tree.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    /** {@code migrations[1].bandwidthMiBps: } for the field a mapping error is about. */
    private static String fieldPath(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining());
        return path.isEmpty() ? "" : "field '" + path.substring(path.startsWith(".") ? 1 : 0) + "': ";
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }
}
