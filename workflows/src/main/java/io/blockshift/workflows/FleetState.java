package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What one run of {@code MigrateFleet} hands the next when it continues as new: only what is left
 * to do and the counters, so each run's input shrinks as the fleet progresses. It travels in one
 * payload, which a real server refuses over 2 MB: the disks not yet resolved travel packed
 * ({@link #pendingPacked}) and fields at their defaults are left out.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public class FleetState {

    /** The limits and options (its list of migrations is dropped: {@link #pending} carries what is left). */
    public MigrateFleetRequest limits;
    /** Migrations not resolved yet, in order; the first is number {@link #nextIndex}. Empty while packed. */
    public List<MigrateDiskRequest> pending = new ArrayList<>();
    /**
     * {@link #pending} as gzip'd JSON ({@link FleetPayloads#pack}) from one run to the next: about
     * 6% of its JSON. Null within a run. (Runs recorded before it carried {@link #pending} as it is.)
     */
    public byte[] pendingPacked;
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

    /** Before continue-as-new: {@link #pending} goes packed. */
    void packPending() {
        pendingPacked = FleetPayloads.pack(pending);
        pending = new ArrayList<>();
    }

    /** At the start of a run: {@link #pending} as the last run left it. */
    void unpackPending() {
        if (pendingPacked != null) {
            pending = new ArrayList<>(FleetPayloads.unpack(pendingPacked));
            pendingPacked = null;
        }
    }
}
