package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The sliding window's admission rule, without Temporal. */
class FleetWindowTest {

    private static MigrateFleetRequest limits(int maxConcurrent, int maxPerHost, int maxPerTarget) {
        MigrateFleetRequest limits = new MigrateFleetRequest();
        limits.maxConcurrent = maxConcurrent;
        limits.maxPerHost = maxPerHost;
        limits.maxPerTarget = maxPerTarget;
        return limits;
    }

    /** Disk {@code index} of domain {@code domain} on {@code host}, into directory {@code dir}. */
    private static FleetDisk disk(int index, String host, String domain, String dir) {
        MigrateDiskRequest request = new MigrateDiskRequest(domain, "vd" + (char) ('a' + index), dir + "/" + domain + index + ".img");
        return new FleetDisk(index, request, "migrate-disk/" + host + "/" + domain + "/" + request.disk, host + "/" + domain,
                host, dir, 1, null);
    }

    private static List<Integer> indexes(List<FleetDisk> disks) {
        return disks.stream().map(FleetDisk::index).toList();
    }

    @Test
    void admitsUpToMaxConcurrentCountingTheRunningOnes() {
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/a"), disk(2, "h2", "vm2", "/b"), disk(3, "h3", "vm3", "/c"));

        assertEquals(List.of(1, 2), indexes(FleetWindow.admit(limits(3, 9, 9), List.of(disk(0, "h0", "vm0", "/z")), ready, 99)));
        assertEquals(List.of(), indexes(FleetWindow.admit(limits(1, 9, 9), List.of(disk(0, "h0", "vm0", "/z")), ready, 99)));
    }

    @Test
    void passesOverADiskWhoseHostIsFullAndAdmitsALaterOne() {
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/a"), disk(2, "h1", "vm2", "/b"), disk(3, "h2", "vm3", "/c"));

        assertEquals(List.of(1, 3), indexes(FleetWindow.admit(limits(9, 1, 9), List.of(), ready, 99)));
    }

    @Test
    void passesOverADiskWhoseTargetDirectoryIsFull() {
        List<FleetDisk> running = List.of(disk(0, "h0", "vm0", "/a"));
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/a"), disk(2, "h2", "vm2", "/b"));

        assertEquals(List.of(2), indexes(FleetWindow.admit(limits(9, 9, 1), running, ready, 99)));
    }

    @Test
    void movesOneDiskOfADomainAtATime() {
        List<FleetDisk> running = List.of(disk(0, "h1", "vm1", "/a"));
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/b"), disk(2, "h1", "vm2", "/b"), disk(3, "h1", "vm2", "/c"));

        assertEquals(List.of(2), indexes(FleetWindow.admit(limits(9, 9, 9), running, ready, 99)));
    }

    @Test
    void aDomainOfTheSameNameOnAnotherHostIsAnotherDomain() {
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/a"), disk(2, "h2", "vm1", "/a"));

        assertEquals(List.of(1, 2), indexes(FleetWindow.admit(limits(9, 9, 9), List.of(), ready, 99)));
    }

    @Test
    void startsNoMoreThanTheRunHasLeft() {
        List<FleetDisk> ready = List.of(disk(1, "h1", "vm1", "/a"), disk(2, "h2", "vm2", "/b"), disk(3, "h3", "vm3", "/c"));

        assertEquals(List.of(1), indexes(FleetWindow.admit(limits(9, 9, 9), List.of(), ready, 1)));
        assertEquals(List.of(), indexes(FleetWindow.admit(limits(9, 9, 9), List.of(), ready, 0)));
    }

    @Test
    void neverAdmitsADiskAlreadyRunning() {
        FleetDisk running = disk(0, "h1", "vm1", "/a");
        FleetDisk again = new FleetDisk(5, running.request(), running.workflowId(), "h1/other", "h2", "/b", 1, null);

        assertEquals(List.of(), indexes(FleetWindow.admit(limits(9, 9, 9), List.of(running), List.of(again), 99)));
    }
}
