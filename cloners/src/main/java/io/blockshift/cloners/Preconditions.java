package io.blockshift.cloners;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checks every cloner's {@link Cloner#suitability} starts with. */
final class Preconditions {

    private Preconditions() {
    }

    /** Why no cloner could copy {@code source} into {@code targetDirectory}, or null if one could. */
    static String whyNot(Path source, Path targetDirectory) {
        if (!Files.isRegularFile(source)) {
            return "source " + source + " is not a regular file";
        }
        if (!Files.isReadable(source)) {
            return "source " + source + " is not readable";
        }
        if (!Files.isDirectory(targetDirectory)) {
            return "target directory " + targetDirectory + " does not exist";
        }
        if (!Files.isWritable(targetDirectory)) {
            return "target directory " + targetDirectory + " is not writable";
        }
        return null;
    }
}
