package io.blockshift.client.command;

import io.blockshift.cloners.Cloners;
import java.util.Iterator;
import picocli.CommandLine.Option;

/** How the base image is copied, for {@code migrate} and {@code clone}. */
final class ClonerOptions {

    @Option(names = "--cloner", paramLabel = "NAME", defaultValue = Cloners.AUTO, completionCandidates = Names.class,
            description = "How the image is copied: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, the fastest"
                    + " that works on the target's filesystem).")
    String cloner;

    @Option(names = "--bandwidth", paramLabel = "MIBPS", defaultValue = "0",
            description = "Limit in MiB/s for the copy (and for migrate's block jobs); 0 for none (default).")
    long bandwidthMiBps;

    /** The cloners on this classpath, for the help. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Cloners.discover().names().iterator();
        }
    }
}
