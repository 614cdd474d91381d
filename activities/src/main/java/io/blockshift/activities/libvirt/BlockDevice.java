package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtFlag.ABORT_PIVOT;
import static io.blockshift.activities.libvirt.LibvirtFlag.COMMIT_ACTIVE;
import static io.blockshift.activities.libvirt.LibvirtFlag.COMMIT_BANDWIDTH_BYTES;
import static io.blockshift.activities.libvirt.LibvirtFlag.COMMIT_SHALLOW;
import static io.blockshift.activities.libvirt.LibvirtFlag.COPY_REUSE_EXT;
import static io.blockshift.activities.libvirt.LibvirtFlag.COPY_SHALLOW;
import static io.blockshift.activities.libvirt.LibvirtFlag.COPY_SYNCHRONOUS_WRITES;
import static io.blockshift.activities.libvirt.LibvirtFlag.COPY_TRANSIENT_JOB;
import static io.blockshift.activities.libvirt.LibvirtFlag.SNAPSHOT_ATOMIC;
import static io.blockshift.activities.libvirt.LibvirtFlag.SNAPSHOT_DISK_ONLY;
import static io.blockshift.activities.libvirt.LibvirtFlag.SNAPSHOT_NO_METADATA;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.libvirt.Domain;
import org.libvirt.DomainBlockJobInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedUlongParameter;
import org.libvirt.event.BlockJobListener;
import org.libvirt.event.BlockJobStatus;

/**
 * One disk of a running domain, by its target dev: the block operations the procedure needs, each
 * one libvirt call or a wait on one.
 */
public final class BlockDevice {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final int PIVOT_ATTEMPTS = 40;

    private final Guest guest;
    private final Domain domain;
    private final String target;

    BlockDevice(Guest guest, Domain domain, String target) {
        this.guest = guest;
        this.domain = domain;
        this.target = target;
    }

    /** The target dev ({@code vda}). */
    public String target() {
        return target;
    }

    /** The disk as the running domain describes it now. */
    public Disk live() throws LibvirtException {
        return guest.liveDisk(target);
    }

    /** Bytes the disk's image allocates on the host, as libvirt sees it. */
    public long allocation() throws LibvirtException {
        return domain.blockInfo(target).getAllocation();
    }

    /**
     * External, disk-only, atomic snapshot of this disk alone onto a new qcow2 {@code top}, with no
     * snapshot metadata; every other disk is left as it is.
     */
    public void snapshot(Path top) throws LibvirtException {
        domain.snapshotCreateXML(DomainXml.snapshotOfOneDisk(guest.liveDisks(), target, top),
                LibvirtFlag.of(SNAPSHOT_DISK_ONLY, SNAPSHOT_ATOMIC, SNAPSHOT_NO_METADATA));
    }

    /**
     * Starts a shallow copy of the active layer into the existing {@code destination}, whose own
     * backing chain supplies the rest. A persistent domain needs {@code transientJob}.
     */
    public void copyShallow(Path destination, String format, long bytesPerSecond, boolean transientJob)
            throws LibvirtException {
        copyShallow(destination, format, bytesPerSecond, transientJob, false);
    }

    /**
     * As {@link #copyShallow(Path, String, long, boolean)}; with {@code writeBlocking} every guest
     * write also reaches the destination before it completes, so the copy converges however fast
     * the guest writes (QEMU 7.2 cannot switch a running copy to it: start a new one).
     */
    public void copyShallow(Path destination, String format, long bytesPerSecond, boolean transientJob,
            boolean writeBlocking) throws LibvirtException {
        // libvirt-java indexes the parameter array unconditionally: always pass one.
        TypedParameter[] parameters = {new TypedUlongParameter("bandwidth", bytesPerSecond)};
        int flags = LibvirtFlag.of(COPY_SHALLOW, COPY_REUSE_EXT)
                | (transientJob ? LibvirtFlag.of(COPY_TRANSIENT_JOB) : 0)
                | (writeBlocking ? LibvirtFlag.of(COPY_SYNCHRONOUS_WRITES) : 0);
        domain.blockCopy(target, DomainXml.fileDisk(destination, format), parameters, flags);
    }

    /** Sets the running block job's bandwidth, bytes/s; 0 lifts its limit. */
    public void setJobBandwidth(long bytesPerSecond) {
        new NativeDomain(domain).setBlockJobSpeed(target, bytesPerSecond);
    }

    /** The guest's write rate limit on this disk, which blockshift may tighten while a commit catches up. */
    public DiskWriteLimit writeLimit() {
        return new DiskWriteLimit(domain, new NativeDomain(domain), target);
    }

    /** Starts committing the active layer into its backing file; READY once they agree. */
    public void commitActive(long bytesPerSecond) throws LibvirtException {
        domain.blockCommit(target, null, null, bytesPerSecond,
                LibvirtFlag.of(COMMIT_SHALLOW, COMMIT_ACTIVE, COMMIT_BANDWIDTH_BYTES));
    }

    /** The block job on this disk, if any. */
    public Optional<BlockJob> blockJob() throws LibvirtException {
        DomainBlockJobInfo info = domain.getBlockJobInfo(target, 0);
        // libvirt-java drops the return code: type 0 is how "no job" shows.
        return info.type == 0 ? Optional.empty() : Optional.of(new BlockJob(info.type, info.cur, info.end));
    }

    /** Ends the block job without pivoting: the guest stays on the image it runs on. */
    public void abortJob() throws LibvirtException {
        if (blockJob().isPresent()) {
            domain.blockJobAbort(target, 0);
        }
    }

    /** Ends the block job without pivoting and waits until libvirt no longer lists it, so another can start. */
    public void abortJobAndWait(Duration timeout) throws LibvirtException, InterruptedException {
        abortJob();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (blockJob().isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the block job on " + target + " of " + guest.name()
                        + " was aborted but is still there after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * Switches the guest onto the READY job's new image, retrying while QEMU says the job is not
     * ready to pivot yet.
     *
     * @return how many attempts it took
     */
    public int pivot() throws LibvirtException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                domain.blockJobAbort(target, LibvirtFlag.of(ABORT_PIVOT));
                return attempt;
            } catch (LibvirtException e) {
                if (!LibvirtErrors.is(e, ErrorNumber.VIR_ERR_BLOCK_COPY_ACTIVE) || attempt == PIVOT_ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * Waits until the block job is READY, as libvirt's BLOCK_JOB_2 event or the live XML's
     * {@code <mirror ready='yes'>} says (never cur == end, which an empty job reports early).
     *
     * @param progress hears the job's figures about four times a second; may throw to stop waiting
     * @throws BlockJobFailedException when the job ends before it is ready
     */
    public BlockJob awaitReady(Consumer<BlockJob> progress) throws LibvirtException, InterruptedException {
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
                Optional<BlockJob> job = blockJob();
                Disk disk = live();
                if (job.isEmpty()) {
                    throw new BlockJobFailedException("the block job on " + target + " of " + guest.name()
                            + " ended before it was ready" + (lastEvent.get() == null ? "" : " (" + lastEvent.get() + ")")
                            + "; see the domain's log under /var/log/libvirt/qemu/" + guest.name() + ".log");
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
     * Waits until the live source, and the persistent one when the domain has a persistent
     * definition, is {@code expected}: libvirt rewrites both shortly after a pivot.
     *
     * @param whileWaiting runs before each look; may throw to stop waiting
     */
    public void awaitSource(String expected, Duration timeout, Runnable whileWaiting)
            throws LibvirtException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            whileWaiting.run();
            String live = live().source();
            String persistent = guest.isPersistent()
                    ? Disk.find(guest.persistentDisks(), target).map(Disk::source).orElse(null)
                    : expected;
            if (expected.equals(live) && expected.equals(persistent)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("after the pivot, disk " + target + " of " + guest.name() + " should name "
                        + expected + " but the live XML names " + live + " and the persistent XML names " + persistent);
            }
            Thread.sleep(10);
        }
    }
}
