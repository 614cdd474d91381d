package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.agentless.AgentlessMigrationActivities;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.BlockJobReport;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.activities.files.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The agentless steps over an ssh link to the host's libvirtd (an sshd the test starts on
 * 127.0.0.1, libvirt's libssh transport), and that link cut in the middle of the mirror: the step
 * fails on the dead connection, its retry reconnects and finds the block job where libvirtd kept it.
 * Then the same over {@code qemu+ssh://} (OpenSSH), from a worker JVM that sees no image.
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

    /**
     * As above over {@code qemu+ssh://}, the transport operators' URIs name (libvirt runs OpenSSH's
     * ssh), from a worker JVM in a mount namespace where the sshd's ssh_config stands over the
     * system's (its known_hosts: no file of root's is touched) and an empty tmpfs over both image
     * directories. A guest writer rewrites one block from the snapshot on, so the 1 MiB/s mirror
     * cannot become READY before the cut; it stops once the link is cut.
     */
    @Test
    void aWorkerThatSeesNoImageMovesADiskOverOpenSshAndACutLinkInTheMiddleOfTheMirrorDoesNotStopIt() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String host = TestVm.PREFIX + "openssh-" + id;
        String queue = TestVm.PREFIX + "queue-" + id;
        String workflowId = TestVm.PREFIX + "move-" + id;
        Path rootKnownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
        String rootKnownHostsBefore = Files.exists(rootKnownHosts) ? Files.readString(rootKnownHosts) : null;
        try (TestSshd sshd = TestSshd.start(); TestVm vm = TestVm.start(libvirt, "raw", 64);
                TestPools pools = new TestPools(libvirt); MountNamespace namespace = MountNamespace.start()) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            namespace.hideUnderEmptyTmpfs(vm.src);
            namespace.hideUnderEmptyTmpfs(vm.dst);
            namespace.bindOver(sshd.openSshConfig(), Path.of("/etc/ssh/ssh_config"));
            vm.write(0x21, 1);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger lastPattern = new AtomicInteger();
            AtomicReference<Exception> writerFailed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int pass = 0; writing.get(); pass++) {
                        int pattern = 0x40 + pass % 64;
                        vm.write(pattern, 10);
                        lastPattern.set(pattern);
                    }
                } catch (Exception e) {
                    writerFailed.set(e);
                }
            }, "guest-writer");
            int cut;
            try (WorkerProcess worker = WorkerProcess.startAgentless(namespace.launcher(), temporal.target(), queue,
                    vm.dst, host, sshd.openSshUri())) {
                Command.run(List.of(DevServer.findBinary().orElseThrow().toString(), "workflow", "start",
                        "--address", temporal.target(), "--type", "MigrateDisk", "--task-queue", queue,
                        "--workflow-id", workflowId, "--input", "{\"domain\": \"" + vm.name + "\", \"disk\": \"vda\", "
                                + "\"target\": \"" + vm.target() + "\", \"connectUri\": \"" + sshd.openSshUri() + "\", "
                                + "\"host\": \"" + host + "\", \"bandwidthMiBps\": 1}"), Duration.ofSeconds(60));
                try {
                    WorkerCrashTest.await("the snapshot", () -> vm.liveDisk().backingFile() != null);
                    writer.start();
                    WorkerCrashTest.await("the mirror", () -> vm.guest().disk("vda").blockJob().isPresent());
                    Thread.sleep(2000);
                    cut = sshd.cutSessions();
                } finally {
                    writing.set(false);
                    if (writer.isAlive()) {
                        writer.join();
                    }
                }
                MigrateDiskResult result = client.newUntypedWorkflowStub(workflowId)
                        .getResult(3, TimeUnit.MINUTES, MigrateDiskResult.class);
                assertEquals(vm.target().toString(), result.target());
                assertTrue(worker.isAlive(), "the worker ran the whole move");
            }
            MigrationHistory history = MigrationHistory.of(client, workflowId);
            assertTrue(cut > 0, "the ssh session was cut during the mirror");
            assertTrue(history.started(MigrationActivities.MIRROR_TO_OVERLAY).getAttempt() >= 2,
                    "the mirror step ran again after the cut");
            BlockJobReport mirror = history.result(MigrationActivities.MIRROR_TO_OVERLAY, BlockJobReport.class);
            assertTrue(mirror.resumed(), "its retry found the block job where libvirtd kept it: " + mirror);
            assertEquals(null, writerFailed.get(), "every guest write succeeded");
            assertEquals(vm.target().toString(), vm.liveDisk().source());
            assertEquals(vm.target().toString(), vm.persistentDisk().source());
            vm.flush();
            assertTrue(TestVm.holds(vm.target(), "raw", 0x21, 1));
            assertTrue(TestVm.holds(vm.target(), "raw", lastPattern.get(), 10), "B holds the guest's last write");
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst));
            assertEquals(List.of("vdb.img"), pools.volumes(src));
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
        assertEquals(rootKnownHostsBefore, Files.exists(rootKnownHosts) ? Files.readString(rootKnownHosts) : null,
                "root's known_hosts is as it was");
    }
}
