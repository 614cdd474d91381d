package io.blockshift.activities.fleet;

import static io.blockshift.activities.Failures.refuse;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.StorageRoots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fleet's storage as a worker on the host sees it: its files, judged against its storage roots. */
public final class LocalFleetStorage implements FleetStorage {

    private final StorageRoots roots;

    public LocalFleetStorage(StorageRoots roots) {
        this.roots = roots;
    }

    @Override
    public void refuseTargetDir(String written) {
        Path targetDir = Path.of(written).normalize();
        if (!Files.isDirectory(targetDir)) {
            throw refuse("'select.targetDir' " + written + " is not a directory; create it first (mkdir -p " + targetDir + ")");
        }
        try {
            if (!roots.containsDirectory(targetDir)) {
                Path real = targetDir.toRealPath();
                throw refuse("'select.targetDir' " + written + (real.toString().equals(written) ? "" : " (" + real
                        + " once links and '..' are resolved)") + " is outside this worker's storage roots (" + roots
                        + "); choose a targetDir inside them or start the worker with --storage-root " + real);
            }
        } catch (IOException e) {
            throw Failures.retryable("cannot judge 'select.targetDir' " + written + ": " + e, StepFailureType.IO, e);
        }
    }

    @Override
    public String whyNotWritable(String target) {
        Path path = Path.of(target);
        if (!path.isAbsolute()) {
            return "target '" + target + "' is a relative path: give an absolute path";
        }
        try {
            return roots.whyNotWritable(path.normalize());
        } catch (IOException e) {
            throw Failures.retryable("cannot judge target " + target + ": " + e, StepFailureType.IO, e);
        }
    }

    @Override
    public long sourceSize(String source) {
        try {
            return source == null ? 0 : Files.size(Path.of(source));
        } catch (IOException e) {
            return 0;
        }
    }
}
