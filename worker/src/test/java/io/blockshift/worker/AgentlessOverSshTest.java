package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.agentless.AgentlessMigrationActivities;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationActivities;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The agentless steps over an ssh link to the host's libvirtd (an sshd the test starts on
 * 127.0.0.1, libvirt's libssh transport), and that link cut in the middle of the mirror: the step
 * fails on the dead connection, its retry reconnects and finds the block job where libvirtd kept it.
 */
class AgentlessOverSshTest extends LibvirtTemporalTest {

    private static final String HOST = "bs-test-over-ssh";

    @Test
    void aDiskMovesOverSshAndACutLinkInTheMiddleOfTheMirrorDoesNotStopIt() throws Exception {
        try (TestSshd sshd = TestSshd.start(); TestVm vm = TestVm.start(libvirt, "raw", 64);
                TestPools pools = new TestPools(libvirt)) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x21, 1);
            AtomicInteger cut = new AtomicInteger();
            AtomicBoolean cutting = new AtomicBoolean();
            HookedActivities activities = new HookedActivities(new AgentlessMigrationActivities(libvirt, HOST, sshd.uri(),
                    StorageRoots.of(vm.dst)))
                    .after("snapshot", () -> {
                        // 12 MiB in A' and the mirror held to 1 MiB/s: it runs for seconds.
                        for (int mib = 10; mib < 22; mib++) {
                            vm.write(0x66, mib);
                        }
                    })
                    .before("mirrorToOverlay", () -> {
                        if (!cutting.compareAndSet(false, true)) {
                            return; // the step's retry: the link was cut once
                        }
                        new Thread(() -> {
                            try {
                                Thread.sleep(2000);
                                cut.set(sshd.cutSessions());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }).start();
                    });
            MigrateDiskRequest request = request(vm, vm.target());
            request.connectUri = sshd.uri();
            request.bandwidthMiBps = 1;

            MigrateDiskResult result;
            BlockJobReport mirror;
            try (Run run = start(activities, request)) {
                result = run.workflow().migrate(request);
                mirror = MigrationHistory.of(client, run.workflowId()).result(MigrationActivities.MIRROR_TO_OVERLAY,
                        BlockJobReport.class);
            }

            assertTrue(cut.get() > 0, "the ssh session was cut during the mirror");
            assertTrue(activities.calls.stream().filter("mirrorToOverlay"::equals).count() >= 2,
                    "the mirror step ran again after the cut: " + activities.calls);
            assertTrue(mirror.resumed(), "its retry found the block job where libvirtd kept it: " + mirror);
            assertEquals(vm.target().toString(), result.target());
            assertEquals(vm.target().toString(), vm.liveDisk().source());
            assertEquals(vm.target().toString(), vm.persistentDisk().source());
            vm.flush();
            assertTrue(TestVm.holds(vm.target(), "raw", 0x21, 1));
            assertTrue(TestVm.holds(vm.target(), "raw", 0x66, 21));
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst));
            assertEquals(List.of("vdb.img"), pools.volumes(src));
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }
}
