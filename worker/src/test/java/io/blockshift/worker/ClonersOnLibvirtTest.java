package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.vendor.VendorSnapshotCloner;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each cloner chosen by name (and by {@code auto}) for a whole migration on libvirtd + QEMU: what
 * ends up on disk says which cloner really ran, and every guest write reaches B.
 */
class ClonersOnLibvirtTest extends LibvirtTemporalTest {

    @AutoClose
    private static XfsMount xfs;

    @BeforeAll
    static void mountXfs() throws Exception {
        xfs = XfsMount.create(1024);
    }

    @Test
    void sparseMovesA256MiBDiskKeepingItsHolesAndEveryWrite() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 256)) {
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = "sparse";

            MigrateDiskResult result = migrateWithWrites(vm, request, 256).result();

            assertEquals("sparse", result.cloner());
            assertEquals(256L << 20, Files.size(vm.target()));
            long allocated = Long.parseLong(XfsMount.run("stat", "-c", "%b", vm.target().toString()).strip()) * 512;
            assertTrue(allocated < 16L << 20, "B allocates " + allocated + " bytes for 6 MiB of data: its holes were kept");
            assertTrue(result.bytesCopied() <= 5L << 20, "only the data was copied: " + result.bytesCopied());
            assertNotNull(result.checksum(), "the copy was checksummed");
        }
    }

    @Test
    void reflinkOnXfsMakesBShareTheBlocksOfA() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64, xfs.dir)) {
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = "reflink";
            request.keepSource = true; // A stays, so B's extents are still shared with it

            MigrateDiskResult result = migrateWithWrites(vm, request, 64).result();

            assertEquals("reflink", result.cloner());
            assertTrue(result.clonerReason().startsWith("requested: reflink"), result.clonerReason());
            assertEquals(List.of("dst/vda-moved.img", "src/vda.img", "src/vdb.img"), vm.files(), "A kept, A' and B' gone");
            String extents = XfsMount.run("filefrag", "-v", vm.target().toString());
            assertTrue(extents.contains("shared"), "B's extents are shared with A:\n" + extents);
        }
    }

    @Test
    void autoOnReflinkXfsChoosesReflink() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64, xfs.dir)) {
            MigrateDiskResult result = migrateWithWrites(vm, request(vm, vm.target()), 64).result();

            assertEquals("reflink", result.cloner());
            assertTrue(result.clonerReason().startsWith("auto: reflink: source and target share the XFS filesystem"),
                    result.clonerReason());
        }
    }

    @Test
    void reflinkFromExt4OntoXfsIsRefusedAndChangesNothing() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            vm.write(0x11, 1);
            String liveXml = vm.liveXml();
            String persistentXml = vm.persistentXml();
            List<String> files = vm.files();
            List<Path> onXfs = list(xfs.dir);
            MigrateDiskRequest request = request(vm, xfs.dir.resolve(vm.name + ".img"));
            request.cloner = "reflink";
            HookedActivities activities = activities(xfs.dir);

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(activities, request));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            assertTrue(failure.getOriginalMessage().contains("source is on the EXT4 filesystem"), failure.getOriginalMessage());
            assertTrue(failure.getOriginalMessage().contains("a clone needs both on one filesystem"), failure.getOriginalMessage());
            assertTrue(failure.getOriginalMessage().contains("Nothing was changed"), failure.getOriginalMessage());
            assertEquals(List.of("preflight"), activities.calls);
            assertEquals(liveXml, vm.liveXml());
            assertEquals(persistentXml, vm.persistentXml());
            assertEquals(files, vm.files());
            assertEquals(onXfs, list(xfs.dir), "nothing written on the XFS filesystem");
            assertTrue(TestVm.holds(vm.vda, "raw", 0x11, 1));
        }
    }

    @Test
    void aVendorClonerRegisteredInAnotherSourceSetIsDiscoveredAndMovesTheDisk() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            MigrateDiskRequest request = request(vm, vm.target());
            request.cloner = VendorSnapshotCloner.NAME;

            Migrated migrated = migrateWithWrites(vm, request, 64);

            assertEquals("vendor-test", migrated.result().cloner());
            assertEquals("requested: vendor-test: the vendor's array snapshots it", migrated.result().clonerReason());
            assertEquals("CRC32C", migrated.result().checksumAlgorithm());
            CloneReport clone = migrated.history().result("CloneBase", CloneReport.class);
            assertEquals("vendor-test", clone.cloner());
            assertEquals(64L << 20, clone.bytesCopied());
            assertEquals(clone.sourceChecksum(), clone.targetChecksum());
        }
    }

    @Test
    void aCloneStepRunAgainAfterBWasPublishedReportsTheChecksumOfAAndB() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            MigrateDiskRequest request = sparseAfterAWrite(vm);
            request.keepSource = true; // A stays, to be checksummed here
            // the second run of CloneBase finds B published, as a retry after the worker died before reporting would
            HookedActivities activities = activities(vm.dst).everyStepTwice();

            MigrateDiskResult result = migrate(activities, request);

            assertEquals("crc32c", result.checksumAlgorithm());
            assertEquals(crc32c(vm.vda), result.checksum(), "A and B checksummed again, not left out");
            assertEquals(crc32c(vm.vda), crc32c(vm.target()));
        }
    }

    @Test
    void aPublishedBThatNoLongerMatchesAFailsWithoutRetriesAndRollsBack() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64)) {
            MigrateDiskRequest request = sparseAfterAWrite(vm);
            // B in place and its partial name gone, as an earlier attempt leaves them, but one byte of B changed since.
            HookedActivities activities = activities(vm.dst).before("cloneBase", () -> {
                if (Files.exists(vm.target())) {
                    return; // a retry, which this test says does not happen
                }
                Files.copy(vm.vda, vm.target());
                try (FileChannel b = FileChannel.open(vm.target(), StandardOpenOption.WRITE)) {
                    b.write(ByteBuffer.wrap(new byte[] {0x7f}), 5L << 20);
                }
            });

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(activities, request));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("RolledBack", failure.getType());
            assertTrue(failure.getOriginalMessage().contains(vm.target() + ", published by an earlier attempt of this step, "
                    + "no longer matches " + vm.vda), failure.getOriginalMessage());
            assertEquals(1, Collections.frequency(activities.calls, "cloneBase"), "not retried: " + activities.calls);
            assertEquals(vm.vda.toString(), vm.liveDisk("vda").source(), "the guest runs on A");
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "the rollback deleted B; nothing new is left");
            assertTrue(TestVm.holds(vm.vda, "raw", 0x11, 1));
        }
    }

    /** Writes 0x11 at MiB 1 as the guest would, and returns a request to move vda with the sparse cloner. */
    private static MigrateDiskRequest sparseAfterAWrite(TestVm vm) throws Exception {
        vm.write(0x11, 1);
        MigrateDiskRequest request = request(vm, vm.target());
        request.cloner = "sparse";
        return request;
    }

    private static String crc32c(Path file) throws Exception {
        return String.format("%08x", TestVm.checksum(file));
    }

    record Migrated(MigrateDiskResult result, MigrationHistory history) {
    }

    /**
     * Writes 1 MiB at five places spread over the disk before the migration and one more after the
     * snapshot, migrates, and checks that B (where the guest now runs) holds them all and that A,
     * A' and B' are gone unless A was to be kept.
     */
    private static Migrated migrateWithWrites(TestVm vm, MigrateDiskRequest request, int sizeMiB) throws Exception {
        int[][] writes = new int[6][];
        for (int i = 0; i < 5; i++) {
            writes[i] = new int[] {0x11 * (i + 1), (sizeMiB - 1) * i / 4};
            vm.write(writes[i][0], writes[i][1]);
        }
        writes[5] = new int[] {0x66, 2};
        HookedActivities activities = activities(vm.dst).after("snapshot", () -> vm.write(0x66, 2));

        MigrateDiskResult result;
        String workflowId;
        try (Run run = start(activities, request)) {
            workflowId = run.workflowId();
            result = run.workflow().migrate(request);
        }

        assertEquals(vm.target().toString(), vm.liveDisk("vda").source(), "the guest runs on B");
        assertEquals(vm.target().toString(), vm.persistentDisk("vda").source());
        if (!request.keepSource) {
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "A, A' and B' are gone");
        }
        for (int[] write : writes) {
            assertTrue(TestVm.holds(vm.target(), "raw", write[0], write[1]),
                    "B holds 0x" + Integer.toHexString(write[0]) + " at " + write[1] + " MiB");
        }
        return new Migrated(result, MigrationHistory.of(client, workflowId));
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
