package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.agentless.AgentlessMigrationActivities;
import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.MigrateDiskResult;
import io.blockshift.workflows.MigrationActivities;
import io.blockshift.workflows.MigrateDiskRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.blockshift.activities.migration.MigrationFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.libvirt.Domain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agentless steps ({@link AgentlessMigrationActivities}) on real libvirt + QEMU and a real
 * Temporal server: a running guestless VM's disk moves between two {@code dir} pools through
 * libvirt's storage API, and a failure before the pivot leaves no volume behind.
 */
class AgentlessOnLibvirtTest extends LibvirtTemporalTest {

    private static final String HOST = "bs-test-agentless";

    /** The agentless steps with every test VM's directories under their storage root. */
    static HookedActivities agentless() {
        return new HookedActivities(new AgentlessMigrationActivities(libvirt, HOST, TestVm.URI,
                StorageRoots.of(TestVm.SCRATCH)));
    }

    @Test
    void aRunningVmsDiskMovesBetweenTwoDirPoolsWithEveryGuestWriteOnBAndNothingElseLeft() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64); TestPools pools = new TestPools(libvirt)) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x11, 1);
            HookedActivities activities = agentless()
                    .after("snapshot", () -> vm.write(0x22, 2))      // lands in A'
                    .after("mirrorToOverlay", () -> vm.write(0x33, 3)); // lands in B'

            MigrateDiskResult result = migrate(activities, request(vm, vm.target()));

            assertEquals(vm.target().toString(), result.target());
            assertEquals("sparse", result.cloner());
            assertEquals(vm.target().toString(), vm.liveDisk().source(), "the running domain is on B");
            assertEquals(vm.target().toString(), vm.persistentDisk().source(), "the persistent definition names B");
            assertEquals(null, vm.liveDisk().backingFile(), "B stands alone");
            assertEquals(vm.vdb.toString(), vm.liveDisk("vdb").source(), "vdb stayed put");
            vm.flush();
            for (int[] write : new int[][] {{0x11, 1}, {0x22, 2}, {0x33, 3}}) {
                assertTrue(TestVm.holds(vm.target(), "raw", write[0], write[1]),
                        "B holds the guest's write of 0x" + Integer.toHexString(write[0]));
            }
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst), "A', B' and the claim are gone");
            assertEquals(List.of("vdb.img"), pools.volumes(src), "A is gone");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }

    @Test
    void verifyReadsAAndBThroughLibvirtStreamsAndTheResultShowsTheirEqualCrc32c() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 64); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x17, 1);
            String[] bAsCloned = new String[1];
            HookedActivities activities = agentless()
                    .after("snapshot", () -> vm.write(0x28, 2))                 // lands in A'
                    .before("createOverlay", () -> bAsCloned[0] = String.format("%08x", TestVm.checksum(vm.target())))
                    .after("mirrorToOverlay", () -> vm.write(0x39, 3));         // lands in B'
            MigrateDiskRequest request = request(vm, vm.target());
            request.verify = true;

            MigrateDiskResult result;
            CloneReport clone;
            try (Run run = start(activities, request)) {
                result = run.workflow().migrate(request);
                clone = MigrationHistory.of(client, run.workflowId()).result(MigrationActivities.CLONE_BASE, CloneReport.class);
            }

            assertEquals("crc32c", clone.checksumAlgorithm());
            assertEquals(clone.sourceChecksum(), clone.targetChecksum(), "A and B read the same through libvirt");
            assertEquals(bAsCloned[0], clone.targetChecksum(), "the checksum is that of B's bytes as libvirt copied them");
            assertEquals("crc32c", result.checksumAlgorithm(), "the result shows the copy verified");
            assertEquals(clone.sourceChecksum(), result.checksum());
            assertTrue(clone.reason().contains("verified"), clone.reason());
            assertEquals(vm.target().toString(), vm.liveDisk().source(), "the running domain is on B");
            vm.flush();
            for (int[] write : new int[][] {{0x17, 1}, {0x28, 2}, {0x39, 3}}) {
                assertTrue(TestVm.holds(vm.target(), "raw", write[0], write[1]),
                        "B holds the guest's write of 0x" + Integer.toHexString(write[0]));
            }
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst), "A', B' and the claim are gone");
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }

    @Test
    void verifyOfAQcow2DiskIsRefusedAsItsCopyIsLaidOutAnew() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "qcow2", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            MigrateDiskRequest request = request(vm, vm.target());
            request.verify = true;

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(agentless(), request));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            String message = failure.getOriginalMessage();
            assertTrue(message.contains("compares the bytes of raw images only") && message.contains("is qcow2")
                    && message.contains("leave 'verify' out"), message);
            assertEquals(List.of(), pools.volumes(dst), "nothing made in the target pool");
            assertEquals(vm.vda.toString(), vm.liveDisk().source());
            assertEquals(List.of("src/vda.qcow2", "src/vdb.img"), vm.files(), "nothing changed");
        }
    }

    @Test
    void everyAgentlessStepRunTwiceStillMovesTheDisk() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x44, 4);

            CloneReport clone;
            try (Run run = start(agentless().everyStepTwice(), request(vm, vm.target()))) {
                run.workflow().migrate(request(vm, vm.target()));
                clone = MigrationHistory.of(client, run.workflowId()).result(MigrationActivities.CLONE_BASE, CloneReport.class);
            }

            assertTrue(clone.reason().contains("started again from byte 0 (libvirt's copy cannot resume)"),
                    "the history says the second clone could not resume: " + clone.reason());
            assertEquals(vm.target().toString(), vm.liveDisk().source());
            assertTrue(TestVm.holds(vm.target(), "raw", 0x44, 4));
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst));
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"snapshot", "cloneBase", "createOverlay"})
    void aFailureBeforeThePivotRollsBackWithNoVolumeLeftInEitherPool(String step) throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 32); TestPools pools = new TestPools(libvirt)) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x55, 5);
            HookedActivities activities = agentless().after("snapshot", () -> vm.write(0x66, 6)).failAfter(step);

            assertThrows(WorkflowFailedException.class, () -> migrate(activities, request(vm, vm.target())));

            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
            assertEquals(null, vm.liveDisk().backingFile(), "on A alone");
            assertEquals(vm.vda.toString(), vm.persistentDisk().source());
            vm.flush();
            assertTrue(TestVm.holds(vm.vda, "raw", 0x55, 5), "A keeps the write before the snapshot");
            assertTrue(TestVm.holds(vm.vda, "raw", 0x66, 6), "A got the write made on A'");
            assertEquals(List.of(), pools.volumes(dst), "nothing left in the target pool after a failure at " + step);
            assertEquals(List.of("vda.img", "vdb.img"), pools.volumes(src));
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files());
        }
    }

    @Test
    void aCancelDuringLibvirtsCopyWaitsForItThenRollsBackWithNoVolumeLeft() throws Exception {
        // 1.5 GiB of data that libvirt's copy must write: a few seconds here, long enough to cancel in.
        String name = TestVm.PREFIX + UUID.randomUUID().toString().substring(0, 8);
        try (TestVm vm = TestVm.startWithVdaAlone(libvirt, TestVm.SCRATCH, name, 1536, 0x5a);
                TestPools pools = new TestPools(libvirt)) {
            String src = pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            CountDownLatch copying = new CountDownLatch(1);
            HookedActivities activities = agentless().before("cloneBase", copying::countDown);
            MigrateDiskRequest request = request(vm, vm.target());
            try (Run run = start(activities, request)) {
                WorkflowClient.start(run.workflow()::migrate, request);
                WorkflowStub stub = WorkflowStub.fromTyped(run.workflow());
                copying.await();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.exists(vm.target()) && System.nanoTime() < deadline) {
                    Thread.sleep(20); // libvirt has made B and is writing it
                }
                stub.cancel();

                WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                        () -> stub.getResult(MigrateDiskResult.class));
                assertInstanceOf(CanceledFailure.class, e.getCause());
                MigrationHistory history = MigrationHistory.of(client, run.workflowId());
                assertThrows(AssertionError.class, () -> history.result(MigrationActivities.CLONE_BASE, CloneReport.class),
                        "the cancel reached the clone while libvirt copied");
            }
            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
            assertEquals(null, vm.liveDisk().backingFile(), "on A alone");
            assertEquals(List.of(), pools.volumes(dst), "the partial B, A' and the claim are gone");
            assertEquals(List.of("vda.img"), pools.volumes(src));
            assertEquals(List.of("src/vda.img"), vm.files());
        }
    }

    @Test
    void aTargetDirectoryWithNoPoolIsRefusedNamingTheVirshCommandsThatMakeOne() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(agentless(), request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            String message = failure.getOriginalMessage();
            assertTrue(message.contains("no libvirt storage pool on host " + HOST + " serves " + vm.dst)
                    && message.contains("pool-define-as dst dir --target " + vm.dst)
                    && message.contains("pool-start dst") && message.contains("pool-autostart dst"), message);
            assertEquals(vm.vda.toString(), vm.liveDisk().source());
            assertEquals(List.of("src/vda.img", "src/vdb.img"), vm.files(), "nothing changed");
        }
    }

    @Test
    void aRequestNamingAnotherLibvirtThanTheHostsIsRefused() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            pools.dir(vm.dst);
            var request = request(vm, vm.target());
            request.connectUri = "qemu+unix:///system";

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> migrate(agentless(), request));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            assertTrue(failure.getOriginalMessage().contains("give \"connectUri\": \"" + TestVm.URI + "\""),
                    failure.getOriginalMessage());
        }
    }

    @Test
    void aBThatAppearsAfterPreflightIsRefusedAtTheSnapshotAndLeftByteForByte() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            HookedActivities activities = agentless().before("snapshot",
                    () -> Files.writeString(vm.target(), "someone else's B"));

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            String messages = messages(e);
            assertTrue(messages.contains("appeared after preflight") && messages.contains("virsh vol-delete vda-moved.img"),
                    messages);
            assertEquals("someone else's B", Files.readString(vm.target()), "B is as its maker left it");
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst), "only B: no A', no claim");
            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
            assertEquals(null, vm.liveDisk().backingFile());
        }
    }

    @Test
    void aBThatAppearsAfterTheSnapshotIsRefusedByTheCloneAndKeptByItsCompensation() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            vm.write(0x21, 1);
            HookedActivities activities = agentless().after("snapshot", () -> {
                vm.write(0x43, 2); // lands in A'
                Files.writeString(vm.target(), "someone else's B");
            });

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            String messages = messages(e);
            assertTrue(messages.contains("no earlier attempt of this step started a copy there")
                    && messages.contains("virsh vol-delete vda-moved.img"), messages);
            assertEquals("someone else's B", Files.readString(vm.target()), "neither the clone nor deleteBase touched B");
            assertEquals(List.of("vda-moved.img"), pools.volumes(dst), "only B: no A', no claim");
            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
            assertEquals(null, vm.liveDisk().backingFile());
            vm.flush();
            assertTrue(TestVm.holds(vm.vda, "raw", 0x43, 2), "A got the write made on A'");
        }
    }

    @Test
    void aTargetPoolOutsideTheWorkersStorageRootsIsRefusedNamingTheOption() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            HookedActivities activities = new HookedActivities(new AgentlessMigrationActivities(libvirt, HOST,
                    TestVm.URI, StorageRoots.of(vm.src)));

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            String message = failure.getOriginalMessage();
            assertTrue(message.contains("pool " + dst + " (" + vm.dst + ") is not under a storage root")
                    && message.contains("--storage-root " + vm.dst), message);
            assertEquals(List.of(), pools.volumes(dst), "nothing made in the target pool");
            assertEquals(vm.vda.toString(), vm.liveDisk().source());
        }
    }

    @Test
    void aSnapshotRefusedForAnotherWorkflowsClaimLeavesThatMigrationsSnapshotAndClaimAlone() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            Path claim = MigrationFiles.claimOn(vm.target());
            Path top = MigrationFiles.beside(vm.target()).top();
            HookedActivities activities = agentless().before("snapshot", () -> {
                // Another migration of this disk to the same target, after this one's preflight: its claim, its A'.
                Files.writeString(claim, "bs-test-other-workflow");
                libvirt.guest(TestVm.URI, vm.name).disk("vda").snapshot(top);
            });

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            assertTrue(messages(e).contains("another migration, workflow bs-test-other-workflow"), messages(e));
            assertEquals(top.toString(), vm.liveDisk().source(), "the guest still runs on the other migration's A'");
            assertEquals(vm.vda.toString(), vm.liveDisk().backingFile());
            assertEquals("bs-test-other-workflow", Files.readString(claim), "its claim is untouched");
        }
    }

    @Test
    void anInactivePoolOnTheHostKeepsAAsItsVolumesCannotBeSeen() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            pools.dir(vm.dst);
            Path unseen = Files.createDirectories(vm.dst.resolveSibling("unseen"));
            String inactive = pools.definedOnly(unseen);

            MigrateDiskResult result = migrate(agentless(), request(vm, vm.target()));

            assertTrue(result.sourceKept(), "A was kept");
            assertEquals(vm.target().toString(), vm.liveDisk().source());
            assertTrue(vm.files().contains("src/vda.img"), "A is still there, as pool " + inactive + " might hold a"
                    + " clone of it: " + vm.files());
        }
    }

    @Test
    void aQcow2DiskWithAnInternalSnapshotIsRefusedNamingVirshSnapshotList() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "qcow2", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            Domain domain = libvirt.connect(TestVm.URI).domainLookupByName(vm.name);
            // Metadata of an internal snapshot of both disks (libvirt wants all internal or none), as 'virsh snapshot-create' would leave it (REDEFINE = 1).
            domain.snapshotCreateXML("<domainsnapshot><name>bs-test-internal</name><state>shutoff</state>"
                    + "<creationTime>1700000000</creationTime><memory snapshot='no'/><disks>"
                    + "<disk name='vda' snapshot='internal'/><disk name='vdb' snapshot='internal'/></disks>"
                    + domain.getXMLDesc(0) + "</domainsnapshot>", 1);

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(agentless(), request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("Refused", failure.getType());
            String message = failure.getOriginalMessage();
            assertTrue(message.contains("internal snapshot 'bs-test-internal'") && message.contains("virsh snapshot-list")
                    && message.contains("virsh snapshot-delete"), message);
            assertEquals(List.of(), pools.volumes(dst), "nothing made in the target pool");
            assertEquals(vm.vda.toString(), vm.liveDisk().source());
        }
    }

    @Test
    void anAPrimeThatAppearsAfterPreflightIsRefusedByTheSnapshotAndKeptByItsRevert() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16); TestPools pools = new TestPools(libvirt)) {
            pools.dir(vm.src);
            String dst = pools.dir(vm.dst);
            Path top = MigrationFiles.beside(vm.target()).top();
            // An unused overlay of A, as a snapshot libvirt did not finish leaves, but no attempt of this migration's.
            HookedActivities activities = agentless().before("snapshot", () -> Command.run(List.of("qemu-img", "create",
                    "-q", "-f", "qcow2", "-b", vm.vda.toString(), "-F", "raw", top.toString()), Duration.ofSeconds(30)));

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            String messages = messages(e);
            assertTrue(messages.contains("is not an unused snapshot of " + vm.vda + " that an earlier attempt of this step"
                    + " began") && messages.contains("virsh vol-delete " + top.getFileName()), messages);
            assertEquals(List.of(top.getFileName().toString()), pools.volumes(dst), "A' kept by the revert; no claim");
            assertEquals(vm.vda.toString(), vm.liveDisk().source(), "the guest runs on A");
        }
    }

    /** Every message in the failure's cause chain, joined. */
    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t instanceof ApplicationFailure a ? a.getOriginalMessage() : t.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
