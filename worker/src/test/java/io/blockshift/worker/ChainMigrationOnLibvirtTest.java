package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.libvirt.Disk;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.UnneededBacking;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Disks whose image has a backing chain, moved on real libvirt + QEMU with each {@code chain} mode:
 * two running VMs share one chain, every guest write and every byte of the chain is read back on the
 * target through B's chain, and the VM that stays keeps running on the old chain.
 */
class ChainMigrationOnLibvirtTest extends LibvirtTemporalTest {

    /** Pattern and MiB offset of each guest write; the chain itself holds MiB 0 (base) and 1 (mid). */
    private static final int[][] WRITES = {{0x11, 2}, {0x22, 3}, {0x33, 4}, {0x44, 5}, {0x55, 6}};

    @Test
    void copyMovesTwoVmsSharingAQcow2OverRawChainOntoOneSharedCopyOfIt() throws Exception {
        try (TestChain chain = TestChain.make("raw");
                TestVm first = TestVm.startOver(libvirt, chain.mid, "qcow2");
                TestVm second = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Path firstTarget = chain.fresh.resolve("first.qcow2");
            MigrateDiskResult moved = migrateWhileWriting(first, firstTarget, "copy", false, chain.fresh);

            Path midCopy = chain.fresh.resolve("mid.qcow2");
            Path baseCopy = chain.fresh.resolve("base.img");
            assertEquals(List.of(firstTarget.toString(), midCopy.toString(), baseCopy.toString()),
                    TestChain.chainOf(firstTarget), "B's chain lies on the new storage, in the same shape");
            assertMovedOffTheOldStorage(first, firstTarget, midCopy.toString(), chain);
            assertHoldsTheChainAndEveryWrite(firstTarget);
            assertEquals(List.of(new UnneededBacking(chain.mid.toString(), List.of(second.name), false),
                    new UnneededBacking(chain.base.toString(), List.of(second.name), false)), moved.unneededBacking(),
                    "the old chain is no longer needed by the moved disk, but the other VM uses it");

            // The other VM is untouched: still running on the old chain, which still exists.
            assertTrue(second.guest().isRunning());
            assertEquals(chain.mid.toString(), second.liveDisk().backingFile());
            assertTrue(Files.exists(chain.mid) && Files.exists(chain.base));
            second.write(0x66, 2);
            assertTrue(TestVm.holds(second.vda, "qcow2", 0x66, 2));
            assertTrue(TestVm.holds(second.vda, "qcow2", TestChain.MID_PATTERN, 1));

            // A second VM moved to the same directory reuses the first one's copies, and then nothing uses the old chain.
            Object midInode = TestChain.inode(midCopy);
            Object baseInode = TestChain.inode(baseCopy);
            Path secondTarget = chain.fresh.resolve("second.qcow2");
            MigrateDiskRequest request = request(second, secondTarget);
            request.deleteUnusedBacking = true;
            MigrateDiskResult secondMoved = migrate(activities(chain.fresh), request);

            assertEquals(midInode, TestChain.inode(midCopy), "the copy of mid was reused, not made again");
            assertEquals(baseInode, TestChain.inode(baseCopy), "the copy of base was reused, not made again");
            assertEquals(List.of(secondTarget.toString(), midCopy.toString(), baseCopy.toString()),
                    TestChain.chainOf(secondTarget));
            assertMovedOffTheOldStorage(second, secondTarget, midCopy.toString(), chain);
            assertTrue(TestVm.holds(secondTarget, "qcow2", 0x66, 2));
            assertTrue(TestVm.holds(secondTarget, "qcow2", TestChain.BASE_PATTERN, 0));
            assertEquals(List.of(new UnneededBacking(chain.mid.toString(), List.of(), true),
                    new UnneededBacking(chain.base.toString(), List.of(), true)), secondMoved.unneededBacking());
            assertFalse(Files.exists(chain.mid) || Files.exists(chain.base), "deleteUnusedBacking deleted the old chain");
            assertHoldsTheChainAndEveryWrite(firstTarget); // the first VM's disk still reads through the shared copies
            assertEquals(List.of("base.img", "first.qcow2", "mid.qcow2", "second.qcow2"), names(chain.fresh),
                    "no working file or mark left behind");
        }
    }

    @Test
    void flattenAndShallowMoveTwoVmsSharingAQcow2OverQcow2Chain() throws Exception {
        try (TestChain chain = TestChain.make("qcow2");
                TestVm flat = TestVm.startOver(libvirt, chain.mid, "qcow2");
                TestVm shallow = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Path flatTarget = chain.fresh.resolve("flat.qcow2");
            MigrateDiskResult flattened = migrateWhileWriting(flat, flatTarget, "flatten", true, chain.fresh);

            assertEquals(List.of(flatTarget.toString()), TestChain.chainOf(flatTarget), "B stands alone");
            assertMovedOffTheOldStorage(flat, flatTarget, null, chain);
            assertHoldsTheChainAndEveryWrite(flatTarget);
            assertEquals(List.of(new UnneededBacking(chain.mid.toString(), List.of(shallow.name), false),
                    new UnneededBacking(chain.base.toString(), List.of(shallow.name), false)), flattened.unneededBacking(),
                    "deleteUnusedBacking never deletes what another VM uses");
            assertTrue(shallow.guest().isRunning());
            assertTrue(Files.exists(chain.mid) && Files.exists(chain.base));

            // shallow: the chain stays where it is (inside the roots), only A moves.
            Path shallowTarget = chain.fresh.resolve("shallow.qcow2");
            MigrateDiskResult kept = migrateWhileWriting(shallow, shallowTarget, "shallow", true, chain.fresh, chain.old);

            assertEquals(List.of(shallowTarget.toString(), chain.mid.toString(), chain.base.toString()),
                    TestChain.chainOf(shallowTarget));
            assertEquals(chain.mid.toString(), shallow.liveDisk().backingFile());
            assertHoldsTheChainAndEveryWrite(shallowTarget);
            assertEquals(List.of(), kept.unneededBacking(), "shallow still needs the whole old chain");
            assertTrue(Files.exists(chain.mid) && Files.exists(chain.base));
        }
    }

    @Test
    void aRollbackDeletesTheLayerCopiesItMadeButNeverOnesItReused() throws Exception {
        try (TestChain chain = TestChain.make("raw");
                TestVm first = TestVm.startOver(libvirt, chain.mid, "qcow2");
                TestVm second = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            first.write(0x11, 2);
            HookedActivities failing = activities(chain.fresh).failAfter("createOverlay");
            assertRolledBack(failing, request(first, chain.fresh.resolve("first.qcow2")));
            assertEquals(List.of(), names(chain.fresh), "the copies this migration made are gone");
            assertEquals(first.vda.toString(), first.liveDisk().source());
            assertTrue(TestVm.holds(first.vda, "qcow2", 0x11, 2));

            migrate(activities(chain.fresh), request(first, chain.fresh.resolve("first.qcow2")));
            Object midInode = TestChain.inode(chain.fresh.resolve("mid.qcow2"));
            assertRolledBack(activities(chain.fresh).failAfter("cloneBase"),
                    request(second, chain.fresh.resolve("second.qcow2")));
            assertEquals(List.of("base.img", "first.qcow2", "mid.qcow2"), names(chain.fresh),
                    "the copies it only reused stay, with the first VM's disk");
            assertEquals(midInode, TestChain.inode(chain.fresh.resolve("mid.qcow2")));
            assertEquals(second.vda.toString(), second.liveDisk().source());
            assertHoldsTheChain(chain.fresh.resolve("first.qcow2"));
        }
    }

    @Test
    void everyStepRunTwiceAsAfterACrashStillCopiesTheChainOnce() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            vm.write(0x11, 2);
            Path target = chain.fresh.resolve("moved.qcow2");
            MigrateDiskRequest request = request(vm, target);
            request.deleteUnusedBacking = true;

            MigrateDiskResult result = migrate(activities(chain.fresh).everyStepTwice(), request);

            assertEquals(List.of(target.toString(), chain.fresh.resolve("mid.qcow2").toString(),
                    chain.fresh.resolve("base.img").toString()), TestChain.chainOf(target));
            assertMovedOffTheOldStorage(vm, target, chain.fresh.resolve("mid.qcow2").toString(), chain);
            assertHoldsTheChain(target);
            assertTrue(TestVm.holds(target, "qcow2", 0x11, 2));
            assertEquals(List.of(new UnneededBacking(chain.mid.toString(), List.of(), true),
                    new UnneededBacking(chain.base.toString(), List.of(), true)), result.unneededBacking());
            assertEquals(List.of("base.img", "mid.qcow2", "moved.qcow2"), names(chain.fresh));
            assertEquals(List.of(), names(chain.old), "nothing used the old chain any more, and it was asked to go");
        }
    }

    @Test
    void aSecondMigrationOverTheSameBaseWaitsForTheFirstOnesCopyAndSharesIt() throws Exception {
        try (TestChain chain = TestChain.make("raw");
                TestVm first = TestVm.startOver(libvirt, chain.mid, "qcow2");
                TestVm second = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            second.write(0x66, 2);
            Path secondTarget = chain.fresh.resolve("second.qcow2");
            Path secondTop = Path.of(secondTarget + ".blockshift-top.qcow2");
            List<Run> runs = new java.util.ArrayList<>();
            List<java.util.concurrent.CompletableFuture<MigrateDiskResult>> secondResult = new java.util.ArrayList<>();
            // While the first migration still holds its marks (after its clone step), the second one starts.
            HookedActivities firstActivities = activities(chain.fresh).after("cloneBase", () -> {
                Run run = start(activities(chain.fresh), request(second, secondTarget));
                runs.add(run);
                secondResult.add(io.temporal.client.WorkflowClient.execute(run.workflow()::migrate,
                        request(second, secondTarget)));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!Files.exists(secondTop) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(1500); // the second one's clone step now waits on the marks
            });
            try {
                migrate(firstActivities, request(first, chain.fresh.resolve("first.qcow2")));
                MigrateDiskResult moved = secondResult.get(0).get(2, java.util.concurrent.TimeUnit.MINUTES);

                assertTrue(moved.stepMillis().get("clone") >= 1000, "the second clone step waited: " + moved.stepMillis());
                Path midCopy = chain.fresh.resolve("mid.qcow2");
                assertEquals(List.of(secondTarget.toString(), midCopy.toString(), chain.fresh.resolve("base.img").toString()),
                        TestChain.chainOf(secondTarget));
                assertMovedOffTheOldStorage(second, secondTarget, midCopy.toString(), chain);
                assertTrue(TestVm.holds(secondTarget, "qcow2", 0x66, 2));
                assertHoldsTheChain(secondTarget);
                assertHoldsTheChain(chain.fresh.resolve("first.qcow2"));
                assertEquals(List.of("base.img", "first.qcow2", "mid.qcow2", "second.qcow2"), names(chain.fresh));
            } finally {
                runs.forEach(Run::close);
            }
        }
    }

    private static void assertRolledBack(HookedActivities activities, MigrateDiskRequest request) {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(activities, request));
        assertEquals("RolledBack", assertInstanceOf(ApplicationFailure.class, e.getCause()).getType());
    }

    /** Moves vda of {@code vm} with {@code mode}, the guest writing before, during and after each step. */
    private static MigrateDiskResult migrateWhileWriting(TestVm vm, Path target, String mode, boolean deleteUnused,
            Path... roots) throws Exception {
        vm.write(WRITES[0][0], WRITES[0][1]);
        HookedActivities activities = activities(roots)
                .after("snapshot", () -> vm.write(WRITES[1][0], WRITES[1][1]))
                .before("cloneBase", () -> vm.write(WRITES[2][0], WRITES[2][1]))
                .after("mirrorToOverlay", () -> vm.write(WRITES[3][0], WRITES[3][1]));
        MigrateDiskRequest request = request(vm, target);
        request.chain = mode;
        request.deleteUnusedBacking = deleteUnused;
        MigrateDiskResult result = migrate(activities, request);
        vm.write(WRITES[4][0], WRITES[4][1]);
        assertEquals(target.toString(), result.target());
        assertEquals("qemu-img compare", result.checksumAlgorithm(), "the copy was compared as the guest sees it");
        assertEquals(List.of("src/vdb.img"), vm.files(), "A, A' and B' are gone");
        return result;
    }

    /** Live and persistent XML name B (over {@code backing}) and nothing on the old storage. */
    private static void assertMovedOffTheOldStorage(TestVm vm, Path target, String backing, TestChain chain)
            throws Exception {
        Disk live = vm.liveDisk();
        assertEquals(target.toString(), live.source());
        assertEquals(backing, live.backingFile());
        assertEquals(target.toString(), vm.persistentDisk().source());
        assertFalse(vm.liveXml().contains(chain.old.toString()), vm.liveXml());
        assertFalse(vm.persistentXml().contains(chain.old.toString()), vm.persistentXml());
        assertFalse(vm.liveXml().contains(vm.src.resolve("vda.qcow2").toString()), "live XML names A no more");
    }

    private static void assertHoldsTheChainAndEveryWrite(Path target) throws Exception {
        assertHoldsTheChain(target);
        for (int[] write : WRITES) {
            assertTrue(TestVm.holds(target, "qcow2", write[0], write[1]),
                    "B holds the write of 0x" + Integer.toHexString(write[0]) + " at " + write[1] + " MiB");
        }
    }

    private static void assertHoldsTheChain(Path target) throws Exception {
        assertTrue(TestVm.holds(target, "qcow2", TestChain.BASE_PATTERN, 0), "B's chain holds the base's data");
        assertTrue(TestVm.holds(target, "qcow2", TestChain.MID_PATTERN, 1), "B's chain holds mid's data");
        assertTrue(TestVm.holds(target, "qcow2", 0, 20), "and zeroes where nothing was written");
    }

    private static List<String> names(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
