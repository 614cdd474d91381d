package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.MigrateDiskResult;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.LibvirtException;

/**
 * Shut-off and paused VMs on libvirtd + QEMU and a Temporal dev server: a shut-off VM's disk moves
 * by copy and a define, and starts on B with its data; a start during the copy is refused by QEMU's
 * image locking; a paused VM moves live and stays paused.
 */
class ColdMoveOnLibvirtTest extends LibvirtTemporalTest {

    @ParameterizedTest(name = "{0} base")
    @ValueSource(strings = {"raw", "qcow2"})
    void aShutOffVmsDiskMovesByCopyAndADefineAndTheVmStartsOnBWithItsData(String format) throws Exception {
        try (TestVm vm = TestVm.start(libvirt, format, 16)) {
            vm.stop();
            vm.writeWhileShutOff(0x5a, 3);
            String vdbBefore = vm.persistentDisk("vdb").source();

            MigrateDiskResult result = migrate(activities(vm.dst), request(vm, vm.target()));

            String target = vm.target().toString();
            assertEquals(target, result.target());
            assertEquals(List.of("preflight", "claim", "clone", "define", "cleanup"),
                    List.copyOf(result.stepMillis().keySet()));
            assertEquals(DomainState.VIR_DOMAIN_SHUTOFF, vm.state(), "the move did not start the VM");
            assertEquals(target, vm.persistentDisk("vda").source(), "persistent XML names B");
            assertEquals(format, vm.persistentDisk("vda").format());
            assertEquals(vdbBefore, vm.persistentDisk("vdb").source(), "the other disk did not move");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "A and the claim are gone");
            assertTrue(TestVm.holds(vm.target(), format, 0x5a, 3), "B holds what A held");

            vm.startAgain();
            assertEquals(target, vm.liveDisk("vda").source(), "the VM runs on B");
            assertNull(vm.liveDisk("vda").backingFile());
            vm.write(0x6b, 5);
            vm.flush();
            assertTrue(TestVm.holds(vm.target(), format, 0x5a, 3), "the started VM's disk holds A's data");
            assertTrue(TestVm.holds(vm.target(), format, 0x6b, 5), "the started VM writes to B");
        }
    }

    @Test
    void startingTheVmDuringTheCopyFailsOnQemusImageLockAndTheMoveFinishesWithNothingLost() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            vm.stop();
            vm.writeWhileShutOff(0x5a, 3);
            AtomicReference<LibvirtException> refused = new AtomicReference<>();
            HookedActivities activities = activities(vm.dst).before("cloneBase", () -> {
                refused.set(assertThrows(LibvirtException.class, vm::startAgain, "the start is refused mid-copy"));
            });

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertTrue(refused.get().getMessage().contains("Failed to get \"write\" lock"), refused.get().getMessage());
            assertEquals(DomainState.VIR_DOMAIN_SHUTOFF, vm.state());
            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.persistentDisk("vda").source());
            assertFalse(Files.exists(vm.vda), "A is gone");
            vm.startAgain();
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x5a, 3));
        }
    }

    @Test
    void aPausedVmMovesLiveWithEveryGuestWriteAndStaysPaused() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "qcow2", 16)) {
            vm.write(0x11, 1);
            vm.pause();
            HookedActivities activities = activities(vm.dst)
                    .after("snapshot", () -> vm.write(0x22, 2))
                    .before("cloneBase", () -> vm.write(0x33, 3))
                    .after("mirrorToOverlay", () -> vm.write(0x44, 4));

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(List.of("preflight", "snapshot", "clone", "overlay", "mirror", "commit", "cleanup"),
                    List.copyOf(result.stepMillis().keySet()));
            assertEquals(DomainState.VIR_DOMAIN_PAUSED, vm.state(), "still paused");
            assertEquals(vm.target().toString(), vm.liveDisk("vda").source());
            assertNull(vm.liveDisk("vda").backingFile());
            assertEquals(vm.target().toString(), vm.persistentDisk("vda").source());
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
            for (int[] write : new int[][] {{0x11, 1}, {0x22, 2}, {0x33, 3}, {0x44, 4}}) {
                assertTrue(TestVm.holds(vm.target(), "qcow2", write[0], write[1]),
                        "B holds the write of 0x" + Integer.toHexString(write[0]));
            }
        }
    }
}
