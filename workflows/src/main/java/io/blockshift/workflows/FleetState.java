package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What one run of {@code MigrateFleet} hands the next when it continues as new: only what is left
 * to do and the counters, so each run's input shrinks as the fleet progresses. It travels in one
 * payload, which a real server refuses over 2 MB: the disks not started yet travel packed
 * ({@link #pendingPacked}, {@link #readyPacked}) and fields at their defaults are left out.
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
    /** Resolved, not started yet (up to twice the lookahead): empty while packed. */
    public List<FleetDisk> ready = new ArrayList<>();
    /** {@link #ready} as gzip'd JSON from one run to the next, as {@link #pendingPacked}. */
    public byte[] readyPacked;
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

    /** Before continue-as-new: the disks not started yet go packed. */
    void pack() {
        pendingPacked = FleetPayloads.pack(pending);
        pending = new ArrayList<>();
        readyPacked = FleetPayloads.pack(ready);
        ready = new ArrayList<>();
    }

    /**
     * At the start of a run (and for the audit, reading a run's input): the disks not started yet as
     * the last run left them.
     */
    public void unpack() {
        if (pendingPacked != null) {
            pending = FleetPayloads.unpack(pendingPacked, new TypeReference<ArrayList<MigrateDiskRequest>>() {
            });
            pendingPacked = null;
        }
        if (readyPacked != null) {
            ready = FleetPayloads.unpack(readyPacked, new TypeReference<ArrayList<FleetDisk>>() {
            });
            readyPacked = null;
        }
    }
}
