package io.blockshift.workflows;

import java.util.ArrayList;
import java.util.List;

/**
 * Instead of a list of migrations, {@code MigrateFleet} can take a selector: every file-backed disk
 * (device disk, type file, with any backing chain) of the domains in {@link #states} whose name matches
 * {@link #domains} and whose source lies under {@link #sourceUnder}, each moved to
 * {@code targetDir/<domain>-<disk>.<extension of its source>}.
 */
public class FleetSelector extends StrictJsonInput {

    /** The libvirt connection URI of the host that runs the domains. */
    public String connectUri = "qemu:///system";
    /** A glob over domain names: {@code *} any run of characters, {@code ?} one; {@code *} for all. */
    public String domains;
    /** Only disks whose source lies under this directory move. */
    public String sourceUnder;
    /** The directory the new base images go to. */
    public String targetDir;
    /** The host whose worker runs the steps (task queue {@code blockshift-host-<host>}); none for any worker. */
    public String host;
    /** Passed on to every disk's {@code MigrateDisk}. */
    public String cloner = "auto";
    public long bandwidthMiBps = 0;
    public boolean keepSource = false;
    public boolean verify = false;
    /** The states of the domains whose disks move ({@link VmState}'s words); every one by default. */
    public List<String> states = VmState.ALL;

    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        refuseUnknownFields(problems, " in 'select'", "connectUri, domains, "
                + "sourceUnder, targetDir, host, cloner, bandwidthMiBps, keepSource, verify, states");
        if (blank(domains)) {
            problems.add("'select.domains' is missing: give a glob over domain names, such as web-* (or * for all)");
        }
        if (blank(sourceUnder) || !sourceUnder.startsWith("/")) {
            problems.add("'select.sourceUnder' must be an absolute directory: only disks under it move");
        }
        if (blank(targetDir) || !targetDir.startsWith("/")) {
            problems.add("'select.targetDir' must be an absolute directory: the new images go there");
        }
        if (blank(connectUri)) {
            problems.add("'select.connectUri' is empty: leave it out for qemu:///system");
        }
        if (host != null && !MigrateDiskRequest.validHost(host)) {
            problems.add("'select.host' '" + host + "' is not a host name (letters, digits, '.', '-', '_')");
        }
        if (states == null || states.isEmpty()) {
            problems.add("'select.states' is empty: give some of " + VmState.names() + ", or leave it out for all");
        } else {
            for (String state : states) {
                if (VmState.of(state) == null) {
                    problems.add("'select.states' has '" + state + "': the states are " + VmState.names());
                }
            }
        }
        if (bandwidthMiBps < 0) {
            problems.add("'select.bandwidthMiBps' is negative");
        }
        return problems;
    }

}
