package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.MigrateDiskRequest;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each chain preflight refuses, on a real running VM over a real chain: a non-retryable "Refused"
 * naming the problem and the fix, only preflight ran, and the VM and its files are as they were.
 * The broken chains are made after the VM started (QEMU keeps the files it opened).
 */
class ChainRefusalOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void refusesAChainHoldingInternalSnapshotsSayingTheyWouldBeLost() throws Exception {
        try (TestChain chain = TestChain.make("raw")) {
            TestChain.run("qemu-img", "snapshot", "-c", "before-the-move", chain.mid.toString());
            try (TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
                assertRefused(vm, chain, r -> { }, chain.mid + " holds 1 internal snapshot(s), which blockshift does not "
                        + "carry to the new storage: they would be lost");
            }
        }
    }

    @Test
    void refusesAChainWithAMissingLayer() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Files.delete(chain.base);
            assertRefused(vm, chain, r -> r.chain = "flatten", "backing image " + chain.base + " (the backing file of "
                    + chain.mid + ") is missing: restore it");
        }
    }

    @Test
    void refusesAChainThatLoops() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Path looping = chain.old.resolve("looping.qcow2");
            TestChain.run("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", vm.vda.toString(), "-F", "qcow2",
                    looping.toString(), "32M");
            Files.move(looping, chain.mid, StandardCopyOption.REPLACE_EXISTING);
            assertRefused(vm, chain, r -> { }, "its backing chain loops (" + chain.mid + " names " + vm.vda);
        }
    }

    @Test
    void refusesAChainWithALayerThatIsNotAFile() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Files.delete(chain.base);
            Files.createDirectory(chain.base);
            assertRefused(vm, chain, r -> { }, "backing image " + chain.base + " (the backing file of " + chain.mid
                    + ") is not a regular file");
        }
    }

    @Test
    void refusesACopyWhereADifferentImageAlreadyHasTheLayersNameAndLeavesItAlone() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            Path other = chain.fresh.resolve("base.img");
            TestChain.run("qemu-img", "create", "-q", "-f", "raw", other.toString(), "32M");
            TestChain.run("qemu-io", "-f", "raw", "-c", "write -P 0x77 0 1M", other.toString());
            long before = TestVm.checksum(other);
            assertRefused(vm, chain, r -> { }, other + " already exists and is not a copy of its backing image "
                    + chain.base + " (the guest would see other content through it");
            assertEquals(before, TestVm.checksum(other), "the other image is untouched");
        }
    }

    @Test
    void refusesAnUnknownChainMode() throws Exception {
        try (TestChain chain = TestChain.make("raw"); TestVm vm = TestVm.startOver(libvirt, chain.mid, "qcow2")) {
            assertRefused(vm, chain, r -> r.chain = "deep", "'chain' 'deep' is not a chain mode");
        }
    }

    private static void assertRefused(TestVm vm, TestChain chain, java.util.function.Consumer<MigrateDiskRequest> change,
            String expected) throws Exception {
        String liveXml = vm.liveXml();
        String persistentXml = vm.persistentXml();
        List<String> files = vm.files();
        MigrateDiskRequest request = request(vm, chain.fresh.resolve("moved.qcow2"));
        change.accept(request);
        HookedActivities activities = activities(chain.fresh);

        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(activities, request));

        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Refused", failure.getType());
        assertTrue(failure.isNonRetryable());
        assertTrue(failure.getOriginalMessage().contains(expected), failure.getOriginalMessage());
        assertTrue(activities.calls.stream().allMatch("preflight"::equals), "only preflight ran: " + activities.calls);
        assertEquals(liveXml, vm.liveXml(), "the live XML is as it was");
        assertEquals(persistentXml, vm.persistentXml(), "the persistent XML is as it was");
        assertEquals(files, vm.files(), "the VM's files are as they were");
        try (var left = Files.list(chain.fresh)) {
            assertTrue(left.allMatch(p -> p.getFileName().toString().equals("base.img")), "nothing was made on the new storage");
        }
    }
}
