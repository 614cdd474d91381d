package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.WorkflowReplayer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MigrateFleet with fake children: limits, failures, duplicates, pause and resume, progress, refusals. */
class MigrateFleetTest extends MigrateFleetTestBase {

    @Test
    void theWindowKeepsWithinEveryLimitAndMovesEveryDisk() {
        // 3 hosts x 4 domains x 2 disks; targets in 3 directories; domain d0 of each host has both disks here.
        List<MigrateDiskRequest> disks = new ArrayList<>();
        for (int h = 0; h < 3; h++) {
            for (int d = 0; d < 4; d++) {
                for (String dev : List.of("vda", "vdb")) {
                    String domain = "h" + h + "-vm" + d;
                    disks.add(disk(domain, dev, "/new" + (d % 3) + "/" + domain + "-" + dev + ".img", "host" + h));
                }
            }
        }

        FleetResult result = result(startFleet(fleet(disks, 4, 2, 2, "continue")));

        assertEquals(new FleetResult(24, 24, 0, 0, 24 * DISK_SIZE, List.of(), 1), result);
        Map<String, Integer> max = concurrency.max();
        assertEquals(4, concurrency.max("all"), max::toString);
        assertEquals(2, concurrency.maxOf("host:"), max::toString);
        assertTrue(concurrency.maxOf("target:") <= 2, max::toString);
        assertEquals(1, concurrency.maxOf("domain:"), "disks of one domain move one at a time: " + max);
        assertEquals(24, childRequests.size());
        assertTrue(childRequests.contains("migrate-disk/host0/" + uuidOf("h0-vm0") + "/vdb"), childRequests::toString);
    }

    @Test
    void aFailedDiskDoesNotStopTheFleetWhenOnFailureIsContinue() {
        List<MigrateDiskRequest> disks = List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk(BAD + "vm2", "vda", "/new/vm2-vda.img", null),
                disk(MISSING + "vm3", "vda", "/new/vm3-vda.img", null),
                disk("vm4", "vda", "/new/vm4-vda.img", null),
                disk("vm5", "vda", "/new/vm5-vda.img", null));

        FleetResult result = result(startFleet(fleet(disks, 2, 2, 2, "continue")));

        assertEquals(5, result.total());
        assertEquals(3, result.done());
        assertEquals(2, result.failed());
        assertEquals(3 * DISK_SIZE, result.bytesDone());
        assertTrue(result.failures().stream().anyMatch(f -> f.startsWith("#1 bad-vm2/vda: failed: ") && f.contains("disk full")),
                result.failures()::toString);
        assertTrue(result.failures().stream().anyMatch(f -> f.startsWith("#2 missing-vm3/vda: refused: no domain")),
                result.failures()::toString);
    }

    @Test
    void aFailedDiskCancelsTheRunningOnesAndStartsNoMoreWhenOnFailureIsStop() {
        List<MigrateDiskRequest> disks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            disks.add(disk((i == 1 ? BAD : "") + "vm" + i, "vda", "/new" + i + "/vm" + i + ".img", "host" + i));
        }
        childTime = Duration.ofSeconds(20);
        MigrateFleetWorkflow fleet = startFleet(fleet(disks, 3, 3, 3, "stop"));

        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> result(fleet));

        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("FleetStopped", failure.getType());
        FleetProgress progress = fleet.progress();
        assertEquals("stopped", progress.state());
        assertEquals(1, progress.failed());
        assertEquals(2, progress.canceled(), progress::toString);
        assertEquals(0, progress.done());
        assertEquals(0, progress.running());
        assertEquals(7, progress.pending(), "no more started");
        assertEquals(3, childRequests.size());
        assertTrue(failure.getOriginalMessage().contains("bad-vm1/vda: failed"), failure::getOriginalMessage);
    }

    @Test
    void aDiskAlreadyBeingMigratedIsRefusedNamingTheRunningWorkflow() {
        String running = MigrateFleetWorkflowImpl.childWorkflowId(null, uuidOf("vm2"), "vda");
        assertEquals("migrate-disk/local/" + uuidOf("vm2") + "/vda", running);
        MigrateDiskWorkflow other = client.newWorkflowStub(MigrateDiskWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(running).setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE).build());
        childTime = Duration.ofSeconds(30);
        WorkflowClient.start(other::migrate, disk("vm2", "vda", "/elsewhere/vm2.img", null));
        awaitChildren(1);
        List<MigrateDiskRequest> disks = List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", null),
                disk("vm2", "vda", "/new/vm2-vda.img", null),
                disk("vm1", "vda", "/new/vm1-vda-again.img", null));
        childTime = Duration.ofMillis(300);

        FleetResult result = result(startFleet(fleet(disks, 4, 4, 4, "continue")));

        assertEquals(1, result.done());
        assertEquals(2, result.failed(), result::toString);
        assertTrue(result.failures().contains("#1 vm2/vda: refused: already being migrated by the running workflow "
                + running + "; this fleet did not start another"), result.failures()::toString);
        assertTrue(result.failures().stream().anyMatch(f -> f.startsWith("#2 vm1/vda: refused: the same disk is listed twice")),
                result.failures()::toString);
        WorkflowStub.fromTyped(other).terminate("test over");
    }

    @Test
    void pauseStopsStartingDisksAndResumeGoesOn() throws InterruptedException {
        List<MigrateDiskRequest> disks = localDisks(10);
        MigrateFleetWorkflow fleet = startFleet(fleet(disks, 2, 2, 2, "continue"));

        FleetProgress paused = fleet.pause();
        assertTrue(paused.running() <= 2, paused::toString);
        WorkflowUpdateException twice = assertThrows(WorkflowUpdateException.class, fleet::pause);
        assertTrue(twice.getCause().getMessage().contains("already paused"), twice.getCause()::getMessage);

        Thread.sleep(1500);
        FleetProgress idle = fleet.progress();
        assertEquals("paused", idle.state());
        assertEquals(0, idle.running(), idle::toString);
        assertEquals(10, idle.done() + idle.pending(), idle::toString);
        assertTrue(idle.pending() >= 8, idle::toString);
        int startedWhilePaused = childRequests.size();
        assertEquals(idle.done(), startedWhilePaused);

        fleet.resume();
        assertThrows(WorkflowUpdateException.class, fleet::resume, "not paused any more");
        assertEquals(10, result(fleet).done());
    }

    @Test
    void progressCountsDisksAndBytesAndEstimatesTheTimeLeft() throws InterruptedException {
        List<MigrateDiskRequest> disks = localDisks(8);
        disks.add(disk(MISSING + "vm", "vda", "/new/missing.img", null));
        MigrateFleetWorkflow fleet = startFleet(fleet(disks, 2, 2, 2, "continue"));

        while (fleet.progress().done() < 4) {
            Thread.sleep(20);
        }
        FleetProgress p = fleet.progress();

        assertEquals("running", p.state());
        assertEquals(9, p.total());
        assertTrue(p.done() >= 4, p::toString);
        assertEquals(2, p.running(), p::toString);
        assertEquals(1, p.failed());
        assertEquals(9, p.done() + p.running() + p.failed() + p.pending(), p::toString);
        assertEquals(p.done() * DISK_SIZE, p.bytesDone());
        assertEquals(8 * DISK_SIZE, p.bytesTotal());
        assertNotNull(p.etaSeconds());
        // Two at a time, 0.3 s each: about 0.3 s per GiB pair, 4 GiB or less left.
        assertTrue(p.etaSeconds() >= 0 && p.etaSeconds() <= 5, "eta " + p.etaSeconds());
        assertEquals(2, p.runningWorkflows().size());
        assertEquals(8, result(fleet).done());
    }

    @Test
    void cancelCancelsTheRunningChildrenAndClosesCanceled() throws InterruptedException {
        List<MigrateDiskRequest> disks = localDisks(6);
        childTime = Duration.ofSeconds(30);
        MigrateFleetWorkflow fleet = startFleet(fleet(disks, 3, 3, 3, "continue"));
        awaitChildren(3);
        assertEquals(3, fleet.progress().running());

        WorkflowStub stub = WorkflowStub.fromTyped(fleet);
        stub.cancel();
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(FleetResult.class));

        assertInstanceOf(CanceledFailure.class, e.getCause());
        FleetProgress p = fleet.progress();
        assertEquals("canceled", p.state());
        assertEquals(3, p.canceled(), p::toString);
        assertEquals(0, p.running());
        assertEquals(3, p.pending());
        assertEquals(3, childRequests.size());
    }

    @Test
    void unknownFieldsAreRefusedByName() {
        WorkflowStub stub = client.newUntypedWorkflowStub(MigrateFleetWorkflow.TYPE, WorkflowOptions.newBuilder()
                .setWorkflowId(FLEET_ID).setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE).build());
        stub.start(Map.of("select", Map.of("connectUri", "qemu:///system", "domian", "web-*", "sourceUnder", "/old",
                "targetDir", "/new"), "maxConcurent", 3));

        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(FleetResult.class));

        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Refused", failure.getType());
        String message = failure.getOriginalMessage();
        assertTrue(message.contains("unknown field(s) [maxConcurent]"), message);
        assertTrue(message.contains("unknown field(s) [domian] in 'select'"), message);
        assertTrue(message.contains("'select.domains' is missing"), message);
        assertTrue(childRequests.isEmpty());
    }

    @Test
    void aSelectorExpandsToEveryDiskAndGivesThemItsHost() {
        WorkflowStub stub = client.newUntypedWorkflowStub(MigrateFleetWorkflow.TYPE, WorkflowOptions.newBuilder()
                .setWorkflowId(FLEET_ID).setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE).build());
        stub.start(Map.of("select", Map.of("domains", "web-*", "sourceUnder", "/old", "targetDir", "/new",
                "host", "kvm1"), "maxConcurrent", 8, "maxPerHost", 8, "maxPerTarget", 8));

        FleetResult result = stub.getResult(FleetResult.class);

        assertEquals(4, result.done(), result::toString);
        assertEquals(1, concurrency.maxOf("domain:"), "two disks of one domain, one at a time");
        assertEquals(2, concurrency.max("all"));
        assertTrue(childRequests.contains("migrate-disk/kvm1/" + uuidOf("web-2") + "/vdb"), childRequests::toString);
    }

    @Test
    void aSelectorWhoseTargetDirTheLookupRefusesRefusesTheWholeFleetBeforeAnyDiskMoves() {
        WorkflowStub stub = client.newUntypedWorkflowStub(MigrateFleetWorkflow.TYPE, WorkflowOptions.newBuilder()
                .setWorkflowId(FLEET_ID).setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE).build());
        stub.start(Map.of("select", Map.of("domains", "web-*", "sourceUnder", "/old", "targetDir", OUTSIDE_ROOTS + "/new")));

        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(FleetResult.class));

        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Refused", failure.getType());
        assertEquals("refused: 'select.targetDir' /outside/new is outside this worker's storage roots (/new); choose a "
                + "targetDir inside them. Nothing was changed.", failure.getOriginalMessage());
        assertTrue(childRequests.isEmpty());
        assertEquals("refused", client.newWorkflowStub(MigrateFleetWorkflow.class, FLEET_ID).progress().state());
    }

    @Test
    void aChildOfAnEarlierRunTerminatedFromOutsideIsCountedFailedOnceAndTheFleetGoesOn() throws Exception {
        MigrateFleetWorkflow fleet = startFleetWhoseFirstChildOutlivesItsRun();
        // vm1's child was started by run 1, which then continued as new: only a signal tells run 2 of its end.
        fleet.pause();
        String vm1 = MigrateFleetWorkflowImpl.childWorkflowId(null, uuidOf("vm1"), "vda");
        client.newUntypedWorkflowStub(vm1).terminate("an operator ended it by hand");
        childTime = Duration.ofMillis(300);

        // Real time: the test service skips no time once a fleet has continued as new (sdk-java#2392).
        long deadline = System.currentTimeMillis() + 30_000;
        while (fleet.progress().failed() == 0) {
            assertTrue(System.currentTimeMillis() < deadline, "not counted: " + fleet.progress());
            Thread.sleep(50);
        }
        FleetProgress afterCheck = fleet.progress();
        assertEquals(0, afterCheck.running(), afterCheck::toString);
        // A late report of the same child changes nothing (the result counts it once).
        client.newUntypedWorkflowStub(FLEET_ID).signal(MigrateFleetWorkflow.DISK_FINISHED,
                DiskOutcome.of(vm1, Outcome.DONE, null));
        fleet.resume();
        FleetResult result = result(fleet);

        assertEquals(2, result.total());
        assertEquals(1, result.done(), result::toString);
        assertEquals(1, result.failed(), result::toString);
        assertEquals(1, result.failures().size(), result::toString);
        assertTrue(result.failures().get(0).startsWith("#0 vm1/vda: failed: terminated without reporting to the fleet: "
                + "its steps stopped wherever they were."), result.failures()::toString);
        assertEquals(List.of(vm1, MigrateFleetWorkflowImpl.childWorkflowId(null, uuidOf("vm2"), "vda")), childRequests);
        // Every run, the one that checked among them, replays with today's code (walked from the last:
        // the test service may end a continued run's history before its last event).
        WorkflowExecutionHistory history = client.fetchHistory(FLEET_ID);
        boolean checked = false;
        while (true) {
            WorkflowReplayer.replayWorkflowExecution(history, MigrateFleetWorkflowImpl.class);
            checked |= history.toJson(false).contains("\"ClosedChildren\"");
            String previous = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
            if (previous.isEmpty()) {
                break;
            }
            history = client.fetchHistory(FLEET_ID, previous);
        }
        assertTrue(checked, "a run asked the server about its earlier children");
    }

    @Test
    void disksWhoseLookupFailsForGoodAreRefusedWithTheReasonAndTheOthersMove() {
        List<MigrateDiskRequest> disks = List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", "host0"),
                disk(UNREACHABLE + "vm2", "vda", "/new/vm2-vda.img", "host1"),
                disk("vm3", "vda", "/new/vm3-vda.img", "host2"));

        FleetResult result = result(startFleet(fleet(disks, 2, 2, 2, "continue")));

        assertEquals(2, result.done());
        assertEquals(1, result.failed());
        String failure = result.failures().get(0);
        assertTrue(failure.startsWith("#1 unreachable-vm2/vda: refused: looking the disk up on host host1 failed: "
                + "cannot connect to qemu+ssh://kvm9/system"), failure);
    }

    @Test
    void aDiskWhoseTargetAnotherDiskOfTheFleetHasIsRefusedAndTheFirstMoves() {
        List<MigrateDiskRequest> disks = List.of(
                disk("vm1", "vda", "/new/x.img", "host0"),
                disk("vm2", "vda", "/new/./x.img", "host0"),
                disk("vm3", "vda", "/new/x.img", "host1"));

        FleetResult result = result(startFleet(fleet(disks, 2, 2, 2, "continue")));

        assertEquals(2, result.done(), "vm1, and vm3 on another host");
        assertEquals(1, result.failed());
        assertEquals("#1 vm2/vda: refused: disk #0 of this fleet has the same target /new/./x.img; "
                + "give each disk a target of its own", result.failures().get(0));
        assertEquals(2, childRequests.size());
    }

    @Test
    void aFleetWithNeitherMigrationsNorSelectorIsRefused() {
        MigrateFleetRequest empty = new MigrateFleetRequest();
        empty.maxConcurrent = 0;
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> result(startFleet(empty)));
        String message = assertInstanceOf(ApplicationFailure.class, e.getCause()).getOriginalMessage();
        assertTrue(message.contains("give either 'migrations'"), message);
        assertTrue(message.contains("'maxConcurrent' is 0"), message);
    }
}
