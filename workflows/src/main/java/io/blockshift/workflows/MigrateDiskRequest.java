package io.blockshift.workflows;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * The single argument of {@code MigrateDisk}: a plain JSON object, so the Temporal CLI can start a
 * migration with {@code --input '{"domain": "vm1", "disk": "vda", "target": "/new/vm1-vda.img"}'}.
 * Fields left out take the defaults below; fields blockshift does not know are an error.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT) // fleets carry thousands: leave the defaults out
public class MigrateDiskRequest extends StrictJsonInput {

    /** {@link #convergenceSeconds} when the request leaves it out (KubeVirt's progress timeout is 150 s). */
    public static final long DEFAULT_CONVERGENCE_SECONDS = 60;

    /** The domain's name or UUID. */
    public String domain;
    /** The disk's target dev ({@code vda}) or its current source path. */
    public String disk;
    /** Absolute path of the new base image B; the overlays sit beside it. */
    public String target;
    /** Which cloner copies the base image: {@code auto}, {@code plain}, {@code sparse}, {@code reflink}, ... */
    public String cloner = "auto";
    /** The libvirt connection URI of the host that runs the domain. */
    public String connectUri = "qemu:///system";
    /** Limit for the copy and the block jobs in MiB/s; 0 for none. */
    public long bandwidthMiBps = 0;
    /** Keep the old base image A instead of deleting it at the end. */
    public boolean keepSource = false;
    /**
     * Checksum the clone even where the cloner would skip it: a reflink shares the very blocks, so
     * it only checksums when asked. The copying cloners always do.
     */
    public boolean verify = false;
    /**
     * Seconds a block job may go without its remaining bytes setting a new minimum before it counts
     * as not converging (the guest writes faster than it copies): the mirror then restarts in
     * write-blocking mode, the commit lifts its bandwidth limit and then limits the guest's writes.
     */
    public long convergenceSeconds = DEFAULT_CONVERGENCE_SECONDS;
    /**
     * The host whose worker runs the steps: with it, every activity goes to task queue
     * {@code blockshift-host-<host>}, which {@code blockshift worker --host <host>} polls; without
     * it, to the workflow's own task queue (one host, or any worker).
     */
    public String host;
    /** What happens to the backing chain under A: {@code copy}, {@code flatten} or {@code shallow} ({@link ChainMode}). */
    public String chain = ChainMode.COPY.wire();
    /** Delete, at clean-up, the old backing images that no defined domain on the host uses any more. */
    public boolean deleteUnusedBacking = false;

    public MigrateDiskRequest() {
    }

    public MigrateDiskRequest(String domain, String disk, String target) {
        this.domain = domain;
        this.disk = disk;
        this.target = target;
    }

    /**
     * What is wrong with this request as written, before anything is looked up: unknown or
     * missing fields, a negative bandwidth. Empty when nothing is.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        refuseUnknownFields(problems, "", "domain, disk, target, cloner, connectUri, bandwidthMiBps, keepSource, verify, host, "
                + "chain, deleteUnusedBacking, convergenceSeconds");
        if (blank(domain)) {
            problems.add("'domain' is missing: give the domain's name or UUID");
        }
        if (blank(disk)) {
            problems.add("'disk' is missing: give the disk's target dev (vda) or its source path");
        }
        if (blank(target)) {
            problems.add("'target' is missing: give the absolute path of the new base image");
        }
        if (blank(cloner)) {
            problems.add("'cloner' is empty: leave it out for auto, or name one (plain, sparse, reflink)");
        }
        if (blank(connectUri)) {
            problems.add("'connectUri' is empty: leave it out for qemu:///system");
        }
        if (bandwidthMiBps < 0) {
            problems.add("'bandwidthMiBps' is " + bandwidthMiBps + ": give 0 for no limit or a positive MiB/s");
        }
        if (chainMode() == null) {
            problems.add("'chain' '" + chain + "' is not a chain mode: give one of " + ChainMode.words()
                    + ", or leave it out for copy");
        }
        if (convergenceSeconds <= 0) {
            problems.add("'convergenceSeconds' is " + convergenceSeconds + ": give a positive number of seconds, or leave it out for "
                    + DEFAULT_CONVERGENCE_SECONDS);
        }
        if (host != null && !validHost(host)) {
            problems.add("'host' '" + host + "' is not a host name: letters, digits, '.', '-' and '_' only");
        }
        return problems;
    }

    /** The chain mode this request asks for, or null when {@code chain} names none. */
    public ChainMode chainMode() {
        return ChainMode.of(chain);
    }

    /** Whether {@code host} can name a task queue: letters, digits, '.', '-' and '_'. */
    public static boolean validHost(String host) {
        return host != null && host.matches("[A-Za-z0-9._-]{1,200}");
    }

    @Override
    public String toString() {
        return "MigrateDisk " + domain + "/" + disk + " -> " + target;
    }
}
