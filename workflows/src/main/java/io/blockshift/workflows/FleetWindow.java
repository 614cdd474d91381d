package io.blockshift.workflows;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sliding window's admission rule: a disk starts only while fewer than {@code maxConcurrent}
 * run overall, fewer than {@code maxPerHost} on its host and fewer than {@code maxPerTarget} into
 * its target directory, and none of its domain. libvirt can run block jobs on different disks of a
 * domain at once, but each snapshot takes the domain's job lock and a failure while two disks of
 * one guest are mid-chain is harder to reason about, so disks of one domain move one at a time.
 */
final class FleetWindow {

    private FleetWindow() {
    }

    /**
     * The disks of {@code ready} that may start now beside {@code running}, in the order of
     * {@code ready}: a disk that does not fit is passed over and a later one may still fit.
     *
     * @param startsLeft how many more this run may start (its {@code childrenPerRun} less its starts)
     */
    static List<FleetDisk> admit(MigrateFleetRequest limits, Collection<FleetDisk> running, List<FleetDisk> ready,
            int startsLeft) {
        Map<String, Integer> perHost = new HashMap<>();
        Map<String, Integer> perTarget = new HashMap<>();
        Set<String> domains = new HashSet<>();
        Set<String> workflowIds = new HashSet<>();
        for (FleetDisk d : running) {
            count(d, perHost, perTarget, domains, workflowIds);
        }
        List<FleetDisk> admitted = new ArrayList<>();
        for (FleetDisk disk : ready) {
            if (workflowIds.size() >= limits.maxConcurrent || admitted.size() >= startsLeft) {
                break;
            }
            if (perHost.getOrDefault(disk.hostKey(), 0) >= limits.maxPerHost
                    || perTarget.getOrDefault(disk.targetDir(), 0) >= limits.maxPerTarget
                    || domains.contains(disk.domainKey())
                    || workflowIds.contains(disk.workflowId())) { // the last cannot happen: the first pass refused duplicates
                continue;
            }
            count(disk, perHost, perTarget, domains, workflowIds);
            admitted.add(disk);
        }
        return admitted;
    }

    private static void count(FleetDisk disk, Map<String, Integer> perHost, Map<String, Integer> perTarget,
            Set<String> domains, Set<String> workflowIds) {
        perHost.merge(disk.hostKey(), 1, Integer::sum);
        perTarget.merge(disk.targetDir(), 1, Integer::sum);
        domains.add(disk.domainKey());
        workflowIds.add(disk.workflowId());
    }
}
