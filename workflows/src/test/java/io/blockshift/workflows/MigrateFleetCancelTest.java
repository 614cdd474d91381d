package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.blockshift.workflows.Fixtures.Call;
import io.blockshift.workflows.MigrateDiskTestBase.Blocker;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Canceling a fleet cancels its real MigrateDisk children, which roll back, on their hosts' task queues. */
class MigrateFleetCancelTest extends MigrateFleetTestBase {

    MigrationActivities activities;

    @Override
    void registerChildren() {
        activities = registerRealChildren();
        // The activities of host h1 run only on h1's task queue.
        Worker host = env.newWorker(MigrateDiskWorkflow.hostTaskQueue("h1"), WorkerOptions.newBuilder()
                .setDefaultHeartbeatThrottleInterval(Duration.ofMillis(20))
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(20))
                .build());
        host.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        host.registerActivitiesImplementations(activities, new FakeLookups());
    }

    @Test
    void cancelingTheFleetRollsBackEveryRunningMigration() throws Exception {
        Blocker cloning = new Blocker(Fixtures.CLONE);
        Call.CLONE_BASE.on(doAnswer(cloning).when(activities));
        List<MigrateDiskRequest> disks = List.of(
                disk("vm1", "vda", "/new/vm1-vda.img", "h1"),
                disk("vm2", "vda", "/new/vm2-vda.img", "h1"),
                disk("vm3", "vda", "/new/vm3-vda.img", "h1"));
        MigrateFleetWorkflow fleet = startFleet(fleet(disks, 2, 2, 2, "continue"));
        cloning.awaitStarted();
        Thread.sleep(500);

        WorkflowStub stub = WorkflowStub.fromTyped(fleet);
        stub.cancel();
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(FleetResult.class));

        assertInstanceOf(CanceledFailure.class, e.getCause());
        FleetProgress p = fleet.progress();
        assertEquals(2, p.canceled(), p::toString);
        assertEquals(1, p.pending());
        verify(activities, times(2)).preflight(any());
        verify(activities, times(2)).revertSnapshot(any());
        verify(activities, times(2)).deleteBase(any());
        verify(activities, times(0)).commitOverlay(any());
        verify(activities).revertSnapshot(argThat(plan -> plan.domainName().equals("vm1")));
        // The children themselves closed CANCELED after rolling back.
        for (String domain : List.of("vm1", "vm2")) {
            String id = MigrateFleetWorkflowImpl.childWorkflowId("h1", uuidOf(domain), "vda");
            MigrateDiskWorkflow child = client.newWorkflowStub(MigrateDiskWorkflow.class, id);
            assertEquals("canceled", child.status().phase());
            assertThrows(WorkflowFailedException.class, () -> WorkflowStub.fromTyped(child).getResult(MigrateDiskResult.class));
        }
    }
}
