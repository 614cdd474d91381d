package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.withSettings;

import io.blockshift.workflows.Fixtures.Call;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.mockito.InOrder;
import org.mockito.invocation.InvocationOnMock;
import org.mockito.stubbing.Answer;

/**
 * An in-memory Temporal service with time skipping, a worker running {@link MigrateDiskWorkflowImpl},
 * and a Mockito mock of {@link MigrationActivities} that answers as on the happy path until a test
 * says otherwise.
 */
abstract class MigrateDiskTestBase {

    static final String WORKFLOW_ID = "migrate-vm1-vda";
    /** How long a test waits for something that should happen. */
    static final long PATIENCE_SECONDS = 10;
    /** A host with a worker of its own on its queue. */
    static final String OTHER_HOST = "kvm-other";

    TestWorkflowEnvironment env;
    WorkflowClient client;
    MigrationActivities activities;

    @BeforeEach
    void startEnvironment() {
        env = TestWorkflowEnvironment.newInstance();
        SearchAttributes.registerWith(env::registerSearchAttribute);
        // Heartbeats reach the service at once, so a cancel reaches a blocked activity in milliseconds.
        Worker worker = env.newWorker(MigrateDiskWorkflow.TASK_QUEUE, WorkerOptions.newBuilder()
                .setDefaultHeartbeatThrottleInterval(Duration.ofMillis(20))
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(20))
                .build());
        worker.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        activities = mock(MigrationActivities.class, withSettings().withoutAnnotations());
        for (Call call : Call.values()) {
            if (call.happyResult != null) {
                call.on(doReturn(call.happyResult).when(activities));
            }
        }
        worker.registerActivitiesImplementations(activities);
        // A host's worker, as `worker --host`: a migration started on the default queue sends its
        // steps here as ordinary activities; one started here runs its short steps locally.
        Worker host = env.newWorker(MigrateDiskWorkflow.hostTaskQueue(OTHER_HOST), WorkerOptions.newBuilder()
                .setDefaultHeartbeatThrottleInterval(Duration.ofMillis(20))
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(20))
                .build());
        host.registerWorkflowImplementationTypes(MigrateDiskWorkflowImpl.class);
        host.registerActivitiesImplementations(activities);
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void closeEnvironment() {
        env.close();
    }

    static WorkflowOptions options() {
        return WorkflowOptions.newBuilder()
                .setWorkflowId(WORKFLOW_ID)
                .setTaskQueue(MigrateDiskWorkflow.TASK_QUEUE)
                .build();
    }

    MigrateDiskWorkflow newWorkflow() {
        return client.newWorkflowStub(MigrateDiskWorkflow.class, options());
    }

    /** The migration a test started, to query after its end. */
    MigrateDiskWorkflow startedWorkflow() {
        return client.newWorkflowStub(MigrateDiskWorkflow.class, WORKFLOW_ID);
    }

    /** Runs a migration of the fixture request to its end. */
    MigrateDiskResult migrate() {
        return newWorkflow().migrate(Fixtures.request());
    }

    /** Starts a migration of the fixture request and returns its stub at once. */
    WorkflowStub startMigration() {
        MigrateDiskWorkflow workflow = newWorkflow();
        WorkflowClient.start(workflow::migrate, Fixtures.request());
        return WorkflowStub.fromTyped(workflow);
    }

    /**
     * Starts a migration, cancels it while {@code running} runs, and returns once the cancel reached
     * that activity, or, for one in a detached scope that never hears of it, once the service has it.
     */
    WorkflowStub cancelDuring(Call running) throws InterruptedException {
        if (Call.LOCAL_STEPS.contains(running)) {
            return cancelDuringLocal(running);
        }
        Blocker blocker = blockOn(running);
        WorkflowStub workflow = startMigration();
        blocker.awaitStarted();
        workflow.cancel();
        if (running == Call.COMMIT) {
            blocker.release();
        } else {
            blocker.awaitCanceled();
        }
        return workflow;
    }

    /**
     * A local step hears no cancel, and the in-memory test service loses the workflow when a cancel
     * reaches the ordinary step scheduled in the same task before it starts (ACTIVITY_UNKNOWN, the
     * workflow never closes). So a cancel during one of those steps is tested where they are
     * ordinary activities: on a host whose queue is not the workflow's.
     */
    private WorkflowStub cancelDuringLocal(Call running) throws InterruptedException {
        Blocker blocker = blockOn(running);
        MigrateDiskRequest request = Fixtures.request();
        request.host = OTHER_HOST;
        MigrateDiskWorkflow started = newWorkflow();
        WorkflowClient.start(started::migrate, request);
        WorkflowStub workflow = WorkflowStub.fromTyped(started);
        blocker.awaitStarted();
        workflow.cancel();
        blocker.awaitCanceled();
        return workflow;
    }

    /** Waits for the end of a migration that must not complete. */
    static WorkflowFailedException workflowCloses(WorkflowStub workflow) {
        return assertThrows(WorkflowFailedException.class, () -> workflow.getResult(MigrateDiskResult.class));
    }

    /** Runs a migration that must fail with a non-retryable application failure of {@code type}. */
    ApplicationFailure migrationFails(String type) {
        return failureOfType(assertThrows(WorkflowFailedException.class, this::migrate), type);
    }

    static ApplicationFailure failureOfType(WorkflowFailedException failed, String type) {
        ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, failed.getCause());
        assertEquals(type, failure.getType(), failure::getOriginalMessage);
        assertTrue(failure.isNonRetryable(), "non-retryable");
        return failure;
    }

    static void assertMessageContains(ApplicationFailure failure, String... parts) {
        for (String part : parts) {
            assertTrue(failure.getOriginalMessage().contains(part),
                    () -> "'" + failure.getOriginalMessage() + "' should contain '" + part + "'");
        }
    }

    /** Makes {@code call} fail for good: a non-retryable failure saying {@code message}. */
    void failOn(Call call, String message) {
        call.on(doThrow(ApplicationFailure.newNonRetryableFailure(message, "TestFailure")).when(activities));
    }

    /** Makes {@code call} block, heartbeating, until the test releases it or it is canceled. */
    Blocker blockOn(Call call) {
        Blocker blocker = new Blocker(call.happyResult);
        call.on(doAnswer(blocker).when(activities));
        return blocker;
    }

    /** Asserts that the activities saw exactly {@code calls}, in that order, and nothing else. */
    void verifyCalls(List<Call> calls) {
        InOrder inOrder = inOrder(activities);
        for (Call call : calls) {
            call.on(inOrder.verify(activities));
        }
        verifyNoMoreInteractions(activities);
    }

    /** An activity that runs until released or canceled, heartbeating so the cancel can reach it. */
    static final class Blocker implements Answer<Object> {
        private final Object result;
        private final CountDownLatch started = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private final CountDownLatch canceled = new CountDownLatch(1);

        Blocker(Object result) {
            this.result = result;
        }

        @Override
        public Object answer(InvocationOnMock invocation) throws InterruptedException {
            started.countDown();
            ActivityExecutionContext context = Activity.getExecutionContext();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (!released.await(10, TimeUnit.MILLISECONDS)) {
                try {
                    context.heartbeat(null);
                } catch (ActivityCanceledException e) {
                    canceled.countDown();
                    throw e;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("blocked for " + PATIENCE_SECONDS + " s: neither released nor canceled");
                }
            }
            return result;
        }

        void awaitStarted() throws InterruptedException {
            assertTrue(started.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the activity started");
        }

        void awaitCanceled() throws InterruptedException {
            assertTrue(canceled.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the cancel reached the activity");
        }

        void release() {
            released.countDown();
        }
    }
}
