package io.blockshift.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings every Temporal dev server blockshift starts runs with, and why: written once, in
 * {@code dev-server.settings} beside this class, which the benchmarks' scripts read too.
 */
public final class DevServerSettings {

    private static final String FILE = "dev-server.settings";

    private DevServerSettings() {
    }

    /** The settings as arguments of {@code temporal server start-dev}: each line's option, then its value. */
    public static List<String> arguments() throws IOException {
        List<String> arguments = new ArrayList<>();
        try (InputStream in = DevServerSettings.class.getResourceAsStream(FILE)) {
            if (in == null) {
                throw new IOException(FILE + " is missing from blockshift's jar: rebuild it");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String setting = line.strip();
                if (setting.isEmpty() || setting.startsWith("#")) {
                    continue;
                }
                int space = setting.indexOf(' ');
                arguments.add(space < 0 ? setting : setting.substring(0, space));
                if (space >= 0) {
                    arguments.add(setting.substring(space + 1).strip());
                }
            }
        }
        return arguments;
    }
}
