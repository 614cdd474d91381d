package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The input of {@code MigrateFleet}: a plain JSON object, either a list of {@code MigrateDisk}
 * inputs or a {@link FleetSelector}, and the limits of the sliding window, such as
 * {@code {"migrations": [...], "maxConcurrent": 4, "maxPerHost": 2, "maxPerTarget": 2, "onFailure": "continue"}}.
 * Fields blockshift does not know are an error.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT) // carried from run to run: leave the defaults out
public class MigrateFleetRequest extends StrictJsonInput {

    static final Set<String> ON_FAILURE = Set.of("continue", "stop");
    /** Each running disk takes about 0.4 KB of the state carried into continue-as-new: 1,000 take 0.4 MB of the 2 MB. */
    static final int MAX_CONCURRENT = 1000;

    /** One {@code MigrateDisk} input per disk. */
    public List<MigrateDiskRequest> migrations;
    /** Instead of {@link #migrations}: which disks to move. */
    public FleetSelector select;
    /** At most this many disks move at once. */
    public int maxConcurrent = 4;
    /** At most this many disks of one host ({@code host}; no host counts as one host) move at once. */
    public int maxPerHost = 2;
    /** At most this many disks move into one target directory at once. */
    public int maxPerTarget = 2;
    /** {@code continue}: a failed disk is reported and the others go on; {@code stop}: cancel the running ones, start no more. */
    public String onFailure = "continue";
    /** How many children one run starts before it continues as new, which keeps each run's history bounded. */
    public int childrenPerRun = 500;
    /**
     * How often, in seconds, the fleet asks the server about the running children an earlier run
     * started: they report their end by signal, which one closed from outside (terminated, timed out) never sends.
     */
    public int childCheckSeconds = 60;

    public MigrateFleetRequest() {
    }

    public MigrateFleetRequest(List<MigrateDiskRequest> migrations) {
        this.migrations = migrations;
    }

    /** What is wrong with this request as written, before anything is looked up. Empty when nothing is. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        refuseUnknownFields(problems, "", "migrations, select, maxConcurrent, "
                + "maxPerHost, maxPerTarget, onFailure, childrenPerRun, childCheckSeconds");
        if ((migrations == null) == (select == null)) {
            problems.add("give either 'migrations' (a list of MigrateDisk inputs) or 'select' (which disks to move), not "
                    + (migrations == null ? "neither" : "both"));
        }
        if (migrations != null) {
            if (migrations.isEmpty()) {
                problems.add("'migrations' is empty");
            }
            for (int i = 0; i < migrations.size(); i++) {
                MigrateDiskRequest m = migrations.get(i);
                if (m == null) {
                    problems.add("migrations[" + i + "] is null");
                    continue;
                }
                for (String p : m.problems()) {
                    problems.add("migrations[" + i + "]: " + p);
                }
            }
        }
        if (select != null) {
            problems.addAll(select.problems());
        }
        if (maxConcurrent < 1 || maxConcurrent > MAX_CONCURRENT) {
            problems.add("'maxConcurrent' is " + maxConcurrent + ": give 1 to " + MAX_CONCURRENT
                    + " (the running disks travel in one payload when the fleet continues as new)");
        }
        if (maxPerHost < 1) {
            problems.add("'maxPerHost' is " + maxPerHost + ": give 1 or more");
        }
        if (maxPerTarget < 1) {
            problems.add("'maxPerTarget' is " + maxPerTarget + ": give 1 or more");
        }
        if (!ON_FAILURE.contains(onFailure)) {
            problems.add("'onFailure' is '" + onFailure + "': give continue or stop");
        }
        if (childrenPerRun < 1) {
            problems.add("'childrenPerRun' is " + childrenPerRun + ": give 1 or more");
        }
        if (childCheckSeconds < 1) {
            problems.add("'childCheckSeconds' is " + childCheckSeconds + ": give 1 or more (60 if unsure)");
        }
        return problems;
    }

    boolean stopOnFailure() {
        return "stop".equals(onFailure);
    }
}
