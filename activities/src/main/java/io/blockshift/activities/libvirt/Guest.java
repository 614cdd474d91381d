package io.blockshift.activities.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainBlockJobInfo;
import org.libvirt.DomainSnapshot;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedUlongParameter;
import org.libvirt.event.BlockJobListener;
import org.libvirt.event.BlockJobStatus;

/**
 * A domain, seen from its disks: the small verbs the procedure needs, each one libvirt call or a
 * wait on one. Flag values are libvirt's (libvirt-java's constants are not final, so they are
 * spelled out here).
 */
public final class Guest {

    // virDomainSnapshotCreateFlags
    /** No snapshot metadata: the snapshot only grows the chain. */
    private static final int SNAPSHOT_NO_METADATA = 4;
    /** Disk state only, no memory: the guest keeps running. */
    private static final int SNAPSHOT_DISK_ONLY = 16;
    /** All disks switch or none do. */
    private static final int SNAPSHOT_ATOMIC = 128;

    // virDomainBlockCopyFlags
    /** Copy only the top image; the destination's own backing chain supplies the rest. */
    private static final int COPY_SHALLOW = 1;
    /** Use the destination file as it is, with the backing chain it records. */
    private static final int COPY_REUSE_EXT = 2;
    /** Allow the copy on a persistent domain; the job does not survive a libvirtd restart. */
    private static final int COPY_TRANSIENT_JOB = 4;

    // virDomainBlockCommitFlags
    /** Commit the top image into its immediate backing file only. */
    private static final int COMMIT_SHALLOW = 1;
    /** The top is the active layer: the job waits in READY until pivoted. */
    private static final int COMMIT_ACTIVE = 4;
    /** The bandwidth argument is in bytes/s rather than MiB/s. */
    private static final int COMMIT_BANDWIDTH_BYTES = 16;

    // virDomainBlockJobAbortFlags
    /** Finish a READY copy or active commit by switching the guest to the new image. */
    private static final int ABORT_PIVOT = 2;

    // virDomainXMLFlags
    /** The persistent definition rather than the running one. */
    private static final int XML_INACTIVE = 2;

    // virDomainSnapshotDeleteFlags
    /** Forget the snapshot without touching any file. */
    private static final int SNAPSHOT_DELETE_METADATA_ONLY = 2;

    private static final Duration POLL = Duration.ofMillis(250);
    private static final int PIVOT_ATTEMPTS = 40;

    private final Domain domain;
    private final String name;
    private final String uuid;

    private Guest(Domain domain) throws LibvirtException {
        this.domain = domain;
        this.name = domain.getName();
        this.uuid = domain.getUUIDString();
    }

    /** The domain with this name or UUID; a libvirt VIR_ERR_NO_DOMAIN error when there is none. */
    static Guest lookUp(Connect connection, String nameOrUuid) throws LibvirtException {
        if (looksLikeUuid(nameOrUuid)) {
            try {
                return new Guest(connection.domainLookupByUUIDString(nameOrUuid));
            } catch (LibvirtException e) {
                if (!isError(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                    throw e;
                }
            }
        }
        return new Guest(connection.domainLookupByName(nameOrUuid));
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    public boolean isRunning() throws LibvirtException {
        return domain.isActive() == 1;
    }

    public boolean isPersistent() throws LibvirtException {
        return domain.isPersistent() == 1;
    }

    /** Bytes the disk's image allocates on the host, as libvirt sees it. */
    public long allocation(String target) throws LibvirtException {
        return domain.blockInfo(target).getAllocation();
    }

    /** The disks of the running domain. */
    public List<Disk> liveDisks() throws LibvirtException {
        return Disk.parseAll(domain.getXMLDesc(0));
    }

    /** The disks of the persistent definition: what the domain boots with next time. */
    public List<Disk> persistentDisks() throws LibvirtException {
        return Disk.parseAll(domain.getXMLDesc(XML_INACTIVE));
    }

    /** The running domain's disk with this target dev. */
    public Disk liveDisk(String target) throws LibvirtException {
        return Disk.find(liveDisks(), target).orElseThrow(() -> new IllegalStateException(
                "domain " + name + " has no disk " + target + " any more"));
    }

    /**
     * External, disk-only, atomic snapshot of one disk onto a new qcow2 {@code top}, with no
     * snapshot metadata; every other disk is left as it is (a disk-only snapshot otherwise
     * snapshots them all).
     */
    public void snapshot(String target, Path top) throws LibvirtException {
        StringBuilder xml = new StringBuilder("<domainsnapshot><disks>");
        for (Disk disk : liveDisks()) {
            if (disk.target().equals(target)) {
                xml.append("<disk name='").append(xmlEscape(target)).append("' snapshot='external'>")
                        .append("<driver type='qcow2'/><source file='").append(xmlEscape(top.toString()))
                        .append("'/></disk>");
            } else {
                xml.append("<disk name='").append(xmlEscape(disk.target())).append("' snapshot='no'/>");
            }
        }
        xml.append("</disks></domainsnapshot>");
        domain.snapshotCreateXML(xml.toString(), SNAPSHOT_DISK_ONLY | SNAPSHOT_ATOMIC | SNAPSHOT_NO_METADATA);
    }

    /**
     * Starts a shallow copy of the disk's active layer into the existing {@code destination}, whose
     * own backing chain supplies the rest. A persistent domain needs {@code transientJob}.
     */
    public void copyShallow(String target, Path destination, String format, long bytesPerSecond, boolean transientJob)
            throws LibvirtException {
        String xml = "<disk type='file'><driver type='" + xmlEscape(format) + "'/><source file='"
                + xmlEscape(destination.toString()) + "'/></disk>";
        // libvirt-java indexes the parameter array unconditionally: always pass one.
        TypedParameter[] parameters = {new TypedUlongParameter("bandwidth", bytesPerSecond)};
        int flags = COPY_SHALLOW | COPY_REUSE_EXT | (transientJob ? COPY_TRANSIENT_JOB : 0);
        domain.blockCopy(target, xml, parameters, flags);
    }

    /** Starts committing the active layer into its backing file; READY once they agree. */
    public void commitActive(String target, long bytesPerSecond) throws LibvirtException {
        domain.blockCommit(target, null, null, bytesPerSecond, COMMIT_SHALLOW | COMMIT_ACTIVE | COMMIT_BANDWIDTH_BYTES);
    }

    /** The block job on this disk, if any. */
    public Optional<BlockJob> blockJob(String target) throws LibvirtException {
        DomainBlockJobInfo info = domain.getBlockJobInfo(target, 0);
        // libvirt-java drops the return code: type 0 is how "no job" shows.
        return info.type == 0 ? Optional.empty() : Optional.of(new BlockJob(info.type, info.cur, info.end));
    }

    /** Ends the disk's block job without pivoting: the guest stays on the image it runs on. */
    public void abortJob(String target) throws LibvirtException {
        if (blockJob(target).isPresent()) {
            domain.blockJobAbort(target, 0);
        }
    }

    /**
     * Switches the guest onto the READY job's new image, retrying while QEMU says the job is not
     * ready to pivot yet.
     *
     * @return how many attempts it took
     */
    public int pivot(String target) throws LibvirtException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                domain.blockJobAbort(target, ABORT_PIVOT);
                return attempt;
            } catch (LibvirtException e) {
                if (!isError(e, ErrorNumber.VIR_ERR_BLOCK_COPY_ACTIVE) || attempt == PIVOT_ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * Waits until the disk's block job is READY, as libvirt's BLOCK_JOB_2 event or the live XML's
     * {@code <mirror ready='yes'>} says (never cur == end, which an empty job reports early).
     *
     * @param progress hears the job's figures about four times a second; may throw to stop waiting
     * @throws BlockJobFailedException when the job ends before it is ready
     */
    public BlockJob awaitReady(String target, Consumer<BlockJob> progress) throws LibvirtException, InterruptedException {
        Semaphore woken = new Semaphore(0);
        AtomicReference<BlockJobStatus> lastEvent = new AtomicReference<>();
        // Runs on libvirt's event loop thread: record and wake the waiter, nothing more.
        BlockJobListener listener = (dom, disk, type, status) -> {
            if (target.equals(disk) || disk.endsWith("/" + target)) {
                lastEvent.set(status);
                woken.release();
            }
        };
        addBlockJobListener(listener);
        try {
            while (true) {
                Optional<BlockJob> job = blockJob(target);
                Disk disk = liveDisk(target);
                if (job.isEmpty()) {
                    throw new BlockJobFailedException("the block job on " + target + " of " + name
                            + " ended before it was ready" + (lastEvent.get() == null ? "" : " (" + lastEvent.get() + ")")
                            + "; see the domain's log under /var/log/libvirt/qemu/" + name + ".log");
                }
                progress.accept(job.get());
                if (disk.mirrorReady() || lastEvent.get() == BlockJobStatus.READY) {
                    return job.get();
                }
                woken.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            removeBlockJobListener(listener);
        }
    }

    /*
     * libvirt-java 0.5.4 keeps a connection's event listeners in plain HashMaps with no locking,
     * and LibvirtConnections shares one Connect per URI between activity threads. Two unguarded
     * adds can lose one entry: its JNA callback, held only there, is then collected while libvirt
     * still calls it (the JVM crashes on the next event), and its remove never deregisters it.
     * Every add and remove therefore holds the connection's monitor.
     */

    private void addBlockJobListener(BlockJobListener listener) throws LibvirtException {
        synchronized (domain.getConnect()) {
            domain.addBlockJobListener(listener);
        }
    }

    private void removeBlockJobListener(BlockJobListener listener) throws LibvirtException {
        synchronized (domain.getConnect()) {
            domain.removeBlockJobListener(listener);
        }
    }

    /**
     * Waits until the disk's live source, and its persistent one when the domain has a persistent
     * definition, is {@code expected}: libvirt rewrites both shortly after a pivot.
     *
     * @param whileWaiting runs before each look; may throw to stop waiting
     */
    public void awaitSource(String target, String expected, Duration timeout, Runnable whileWaiting)
            throws LibvirtException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            whileWaiting.run();
            String live = liveDisk(target).source();
            String persistent = isPersistent()
                    ? Disk.find(persistentDisks(), target).map(Disk::source).orElse(null)
                    : expected;
            if (expected.equals(live) && expected.equals(persistent)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("after the pivot, disk " + target + " of " + name + " should name "
                        + expected + " but the live XML names " + live + " and the persistent XML names " + persistent);
            }
            Thread.sleep(10);
        }
    }

    /**
     * The names of the domains on {@code connection}, running or defined, with a disk whose source
     * or backing file is {@code path}.
     */
    public static List<String> domainsUsing(Connect connection, String path) throws LibvirtException {
        List<String> users = new ArrayList<>();
        List<Domain> domains = new ArrayList<>();
        for (int id : connection.listDomains()) {
            domains.add(unlessGone(() -> connection.domainLookupByID(id)));
        }
        for (String name : connection.listDefinedDomains()) {
            domains.add(unlessGone(() -> connection.domainLookupByName(name)));
        }
        for (Domain domain : domains) {
            String xml = domain == null ? null : unlessGone(() -> domain.getXMLDesc(0));
            if (xml != null && Disk.parseAll(xml).stream()
                    .anyMatch(disk -> path.equals(disk.source()) || path.equals(disk.backingFile()))) {
                users.add(domain.getName());
            }
        }
        return users;
    }

    private interface LibvirtCall<T> {
        T call() throws LibvirtException;
    }

    /** The call's answer, or null when its domain went away meanwhile. */
    private static <T> T unlessGone(LibvirtCall<T> call) throws LibvirtException {
        try {
            return call.call();
        } catch (LibvirtException e) {
            if (isError(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                return null;
            }
            throw e;
        }
    }

    /** The names of the domain's snapshots whose XML mentions {@code path}. */
    public List<String> snapshotsMentioning(String path) throws LibvirtException {
        List<String> names = new ArrayList<>();
        for (String snapshotName : domain.snapshotListNames()) {
            DomainSnapshot snapshot = domain.snapshotLookupByName(snapshotName);
            if (snapshot.getXMLDesc().contains("'" + path + "'") || snapshot.getXMLDesc().contains("\"" + path + "\"")) {
                names.add(snapshotName);
            }
        }
        return names;
    }

    /** Forgets a snapshot without touching its files. */
    public void deleteSnapshotMetadata(String snapshotName) throws LibvirtException {
        domain.snapshotLookupByName(snapshotName).delete(SNAPSHOT_DELETE_METADATA_ONLY);
    }

    /** An HMP command for QEMU's monitor (tests use it to write as the guest would). */
    public String monitorHmp(String command) throws LibvirtException {
        // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1
        return domain.qemuMonitorCommand(command, 1);
    }

    public static boolean isError(LibvirtException e, ErrorNumber code) {
        return e.getError() != null && e.getError().getCode() == code;
    }

    private static boolean looksLikeUuid(String s) {
        try {
            UUID.fromString(s);
            return s.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
