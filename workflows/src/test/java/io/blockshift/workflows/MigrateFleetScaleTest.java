package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A fleet of 10,000 disks: continue-as-new keeps every run's history bounded. */
class MigrateFleetScaleTest extends MigrateFleetTestBase {

    static final int DISKS = Integer.getInteger("blockshift.scaleDisks", 10_000);
    static final int MAX_EVENTS_PER_RUN = 20_000;
    /** The first run holds the first pass over every disk (about 0.4 KB per disk): the bound is set for 10,000. */
    static final long MAX_BYTES_PER_RUN = 8L << 20;
    /** A real Temporal server refuses any payload over 2 MB (its blob size limit) and warns from 512 KB. */
    static final long PAYLOAD_LIMIT = 2L << 20;
    static final long PAYLOAD_WARNING = 512L << 10;

    @Test
    void tenThousandDisksContinueAsNewWithEveryRunsHistoryBounded() {
        childTime = Duration.ZERO;
        List<MigrateDiskRequest> disks = new ArrayList<>();
        for (int i = 0; i < DISKS; i++) {
            disks.add(realisticDisk(i));
        }
        MigrateFleetRequest request = fleet(disks, 32, 8, 4, "continue");

        FleetResult result = assertTimeoutPreemptively(Duration.ofSeconds(400), () -> {
            MigrateFleetWorkflow fleet = newFleet(FLEET_ID);
            WorkflowExecution first = WorkflowClient.start(fleet::migrate, request, null);
            FleetResult r;
            try {
                r = WorkflowStub.fromTyped(fleet).getResult(Integer.getInteger("blockshift.scaleSeconds", 360),
                        java.util.concurrent.TimeUnit.SECONDS, FleetResult.class);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("not done: " + newFleet(FLEET_ID).progress());
            }
            report(first);
            return r;
        });

        assertEquals(DISKS, result.done(), result::toString);
        assertEquals(0, result.failed());
        assertEquals(DISKS * DISK_SIZE, result.bytesDone());
        assertTrue(result.runs() >= DISKS / request.childrenPerRun, result.runs() + " runs: at most " + request.childrenPerRun
                + " children each");
        assertTrue(concurrency.max("all") <= 32);
        assertTrue(concurrency.maxOf("host:") <= 8);
        assertTrue(concurrency.maxOf("target:") <= 4);
        assertEquals(DISKS, childRequests.size());
    }

    /** Disk {@code i} of a fleet with names as long as a real one's, on 20 hosts and 50 target directories. */
    static MigrateDiskRequest realisticDisk(int i) {
        String domain = String.format("web-prod-eu-west-%04d", i);
        return disk(domain, "vda", String.format("/srv/new-storage/pool-%02d/%s-vda.qcow2", i % 50, domain), "host" + (i % 20));
    }

    /** Prints each run's history size and largest payload, and asserts they stay bounded. */
    private void report(WorkflowExecution first) {
        String runId = first.getRunId();
        int run = 1;
        long totalEvents = 0;
        long largestPayload = 0;
        while (runId != null) {
            WorkflowExecutionHistory history = client.fetchHistory(FLEET_ID, runId);
            History proto = history.getHistory();
            int events = proto.getEventsCount();
            long bytes = proto.getSerializedSize();
            totalEvents += events;
            Payloads.Largest largest = Payloads.largest(proto);
            largestPayload = Math.max(largestPayload, largest.bytes());
            System.out.printf("MigrateFleet 10k: run %d: %d events, %d bytes, largest payload %d bytes (%s)%n", run, events,
                    bytes, largest.bytes(), largest.where());
            assertTrue(events < MAX_EVENTS_PER_RUN, "run " + run + " has " + events + " events");
            assertTrue(bytes < MAX_BYTES_PER_RUN, "run " + run + " has " + bytes + " bytes");
            assertTrue(largest.bytes() < PAYLOAD_LIMIT, "run " + run + ": " + largest + " is over a real server's 2 MB limit");
            // Only the operator's own list (the first run's input) may pass the server's warning; what the fleet carries does not.
            Payloads.Largest carried = Payloads.largest(proto, run == 1 ? 2 : 1);
            assertTrue(carried.bytes() < PAYLOAD_WARNING, "run " + run + ": " + carried + " is over a real server's 512 KB warning");
            if (Boolean.getBoolean("blockshift.histogram")) {
                java.util.Map<EventType, Long> byType = new java.util.TreeMap<>();
                proto.getEventsList().forEach(e -> byType.merge(e.getEventType(), 1L, Long::sum));
                System.out.println("MigrateFleet 10k: run " + run + " events by type " + byType);
            }
            HistoryEvent last = proto.getEvents(events - 1);
            runId = last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                    ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                    : null;
            run++;
        }
        System.out.printf("MigrateFleet 10k: %d runs, %d events in all, largest payload %d bytes%n", run - 1, totalEvents,
                largestPayload);
    }
}
