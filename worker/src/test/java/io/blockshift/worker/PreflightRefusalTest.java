package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.workflows.MigrateDiskRequest;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every preflight refusal on a real running VM: a non-retryable "Refused" failure that names the
 * problem and the fix, and the VM and its files exactly as they were.
 */
class PreflightRefusalTest extends LibvirtTemporalTest {

    @AutoClose
    private static TestVm vm;

    @BeforeAll
    static void startVm() throws Exception {
        vm = TestVm.start(libvirt, "raw", 64);
        vm.write(0x11, 1);
    }

    @Test
    void refusesAnUnknownDomain() throws Exception {
        assertRefused(r -> r.domain = TestVm.PREFIX + "no-such-domain", "no domain named");
    }

    @Test
    void refusesAnUnknownDisk() throws Exception {
        assertRefused(r -> r.disk = "vdz", "has no disk 'vdz'; its disks are vda");
    }

    @Test
    void refusesARelativeTarget() throws Exception {
        assertRefused(r -> r.target = "dst/vda.img", "is a relative path");
    }

    @Test
    void refusesAMissingTargetDirectory() throws Exception {
        assertRefused(r -> r.target = vm.dst.resolve("missing/vda.img").toString(), "does not exist; create it first");
    }

    @Test
    void refusesATargetThatExists() throws Exception {
        Path existing = Files.writeString(vm.dst.resolve("existing.img"), "precious");
        try {
            assertRefused(r -> r.target = existing.toString(), "already exists; blockshift never overwrites");
            assertEquals("precious", Files.readString(existing));
        } finally {
            Files.delete(existing);
        }
    }

    @Test
    void refusesAnOverlayLeftUnderItsScratchNameByAnEarlierMigration() throws Exception {
        Path leftover = Files.writeString(Path.of(vm.target() + ".blockshift-overlay.qcow2.new"), "left over");
        try {
            assertRefused(r -> { }, leftover + " already exists (left by an earlier migration");
            assertEquals("left over", Files.readString(leftover));
        } finally {
            Files.delete(leftover);
        }
    }

    @Test
    void refusesTheSourceAsTarget() throws Exception {
        assertRefused(List.of(vm.src, vm.dst), r -> r.target = vm.vda.toString(), "is the disk's current source");
    }

    @Test
    void refusesATargetOutsideTheStorageRoots() throws Exception {
        assertRefused(r -> r.target = vm.src.resolve("elsewhere.img").toString(), "outside this worker's storage roots");
    }

    @Test
    void refusesADotDotEscapeFromTheStorageRoots() throws Exception {
        assertRefused(r -> r.target = vm.dst + "/../src/escape.img", "outside this worker's storage roots");
    }

    @Test
    void refusesASymlinkEscapeFromTheStorageRoots() throws Exception {
        Path link = Files.createSymbolicLink(vm.dst.resolve("link"), vm.src);
        try {
            assertRefused(r -> r.target = link.resolve("escape.img").toString(), "outside this worker's storage roots");
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void refusesAnUnknownCloner() throws Exception {
        assertRefused(r -> r.cloner = "teleport", "unknown cloner 'teleport'");
    }

    @Test
    void refusesANegativeBandwidth() throws Exception {
        assertRefused(r -> r.bandwidthMiBps = -1, "'bandwidthMiBps' is -1");
    }

    @Test
    void refusesATargetFilesystemWithTooLittleSpace() throws Exception {
        Path tiny = Files.createDirectory(vm.dir.resolve("tiny"));
        Command.run(List.of("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", tiny.toString()), Duration.ofSeconds(10));
        try {
            assertRefused(List.of(vm.dst, tiny), r -> r.target = tiny.resolve("vda.img").toString(), "MiB free but the disk allocates");
        } finally {
            Command.run(List.of("umount", tiny.toString()), Duration.ofSeconds(10));
        }
    }

    @Test
    void refusesABlockDeviceDisk() throws Exception {
        Path backing = vm.dir.resolve("block-backing.img");
        Files.write(backing, new byte[1 << 20]);
        String loop = Command.run(List.of("losetup", "--find", "--show", backing.toString()), Duration.ofSeconds(10)).strip();
        String xml = "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='" + loop
                + "'/><target dev='vdc' bus='virtio'/></disk>";
        try {
            vm.attachLive(xml);
            try {
                assertRefused(r -> r.disk = "vdc", "is a block disk (" + loop + "): blockshift moves file-backed disks only");
            } finally {
                vm.detachLive(xml);
            }
        } finally {
            Command.run(List.of("losetup", "--detach", loop), Duration.ofSeconds(10));
            Files.delete(backing);
        }
    }

    @Test
    void refusesADiskWithABlockJob() throws Exception {
        try (TestVm busy = TestVm.start(libvirt, "raw", 16)) {
            // A snapshot, then an active commit left waiting in READY: a job someone else runs.
            busy.guest().disk("vda").snapshot(busy.src.resolve("someone-elses-top.qcow2"));
            busy.guest().disk("vda").commitActive(0);
            // READY first: the mirror's ready='yes' must not appear between the XML taken before and after.
            busy.guest().disk("vda").awaitReady(job -> { });
            assertRefused(busy, List.of(busy.dst), r -> { }, "already has a block job running");
            busy.guest().disk("vda").abortJob();
        }
    }

    @Test
    void refusesAShallowMoveOfAChainWhoseBackingFileLiesOutsideTheStorageRoots() throws Exception {
        try (TestVm chained = TestVm.start(libvirt, "raw", 16)) {
            chained.guest().disk("vda").snapshot(chained.src.resolve("someone-elses-top.qcow2"));
            assertRefused(chained, List.of(chained.dst), r -> r.chain = "shallow", "chain 'shallow' would leave B backed by "
                    + chained.vda + ", which lies outside this worker's storage roots");
        }
    }

    @Test
    void refusesAShutOffDomainWithAManagedSaveImageWhichWouldResumeOnTheOldDisk() throws Exception {
        try (TestVm saved = TestVm.start(libvirt, "raw", 16)) {
            saved.managedSave();
            try {
                assertRefused(saved, List.of(saved.dst), r -> { }, "has a managed save image");
            } finally {
                saved.managedSaveRemove();
            }
        }
    }

    private static void assertRefused(Consumer<MigrateDiskRequest> change, String expected) throws Exception {
        assertRefused(List.of(vm.dst), change, expected);
    }

    private static void assertRefused(List<Path> roots, Consumer<MigrateDiskRequest> change, String expected) throws Exception {
        assertRefused(vm, roots, change, expected);
    }

    private static void assertRefused(TestVm vm, List<Path> roots, Consumer<MigrateDiskRequest> change, String expected)
            throws Exception {
        String liveXml = vm.liveXml();
        String persistentXml = vm.persistentXml();
        List<String> files = vm.files();
        MigrateDiskRequest request = request(vm, vm.target());
        change.accept(request);
        HookedActivities activities = activities(roots.toArray(Path[]::new));

        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(activities, request));

        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Refused", failure.getType());
        assertTrue(failure.isNonRetryable());
        assertTrue(failure.getOriginalMessage().contains(expected), failure.getOriginalMessage());
        assertTrue(failure.getOriginalMessage().contains("Nothing was changed"), failure.getOriginalMessage());
        assertTrue(activities.calls.stream().allMatch("preflight"::equals), "only preflight ran: " + activities.calls);
        assertTrue(activities.calls.size() <= 1, "a refusal is not retried: " + activities.calls);
        assertEquals(liveXml, vm.liveXml(), "the live XML is as it was");
        assertEquals(persistentXml, vm.persistentXml(), "the persistent XML is as it was");
        assertEquals(files, vm.files(), "the files are as they were");
    }
}
