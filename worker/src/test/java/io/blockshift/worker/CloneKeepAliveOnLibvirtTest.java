package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.migration.LibvirtMigrationActivities;
import io.blockshift.cloners.CloneListener;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloner;
import io.blockshift.cloners.Cloners;
import io.blockshift.cloners.Suitability;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A cloner whose one call says nothing for longer than the clone step's 10 s heartbeat timeout. */
class CloneKeepAliveOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aCloneSilentForTwelveSecondsInOneCallRunsOnceAndTheDiskMoves() throws Exception {
        SilentCloner silent = new SilentCloner(12_000);
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            HookedActivities activities = new HookedActivities(new LibvirtMigrationActivities(libvirt,
                    new StorageRoots(List.of(vm.dst)), Cloners.of(silent)));
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = silent.name();
            String before = sha256(vm.vda); // the guest has no OS and writes nothing

            MigrateDiskResult result = migrate(activities, request);

            assertEquals(1, silent.calls.get(), "one attempt: the step was not timed out and run again beside itself");
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertEquals(silent.name(), result.cloner());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            assertEquals(before, sha256(vm.target()), "B holds what A held");
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** Sleeps, saying nothing to its listener (as one FICLONE of a huge image does), then copies. */
    private static final class SilentCloner implements Cloner {
        final AtomicInteger calls = new AtomicInteger();
        private final long silentMillis;

        SilentCloner(long silentMillis) {
            this.silentMillis = silentMillis;
        }

        @Override
        public String name() {
            return "bs-test-silent";
        }

        @Override
        public String description() {
            return "test: one long call with no progress";
        }

        @Override
        public Suitability suitability(Path source, Path targetDirectory) {
            return Suitability.yes("a test asked for it");
        }

        @Override
        public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
            calls.incrementAndGet();
            try {
                Thread.sleep(silentMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            Files.copy(request.source(), request.target());
            long size = Files.size(request.target());
            return new CloneResult(name(), size, size, null, null, null);
        }
    }
}
