package io.blockshift.activities.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Gives a file blockshift made the owner, group and permissions of the one it stands in for. */
public final class FileOwnership {

    private FileOwnership() {
    }

    public static void copy(Path from, Path to) throws IOException {
        Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid"));
        Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid"));
        Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
    }
}
