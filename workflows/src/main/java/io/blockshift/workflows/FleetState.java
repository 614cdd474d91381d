package io.blockshift.workflows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What one run of {@code MigrateFleet} hands the next when it continues as new: only what is left
 * to do and the counters, so each run's input shrinks as the fleet progresses.
 */
public class FleetState {

    /** The limits and options (its list of migrations is dropped: {@link #pending} carries what is left). */
    public MigrateFleetRequest limits;
    /** Migrations not resolved yet, in order; the first is number {@link #nextIndex}. */
    public List<MigrateDiskRequest> pending = new ArrayList<>();
    public int nextIndex;
    /** Indexes the first pass already counted as failed (refused, duplicate): skipped when they come up. */
    public List<Integer> skip = new ArrayList<>();
    /** Resolved, not started yet. */
    public List<FleetDisk> ready = new ArrayList<>();
    /** Started and not reported finished, by workflow ID. */
    public LinkedHashMap<String, FleetDisk> running = new LinkedHashMap<>();
    /** Children asked to cancel (stop or cancel). */
    public List<String> cancelRequested = new ArrayList<>();
    public int total;
    public int done;
    public int failed;
    public int canceled;
    public long bytesDone;
    public long bytesTotal;
    public List<String> failures = new ArrayList<>();
    public boolean paused;
    public boolean stopping;
    public long startedMillis;
    public int run = 1;
}
