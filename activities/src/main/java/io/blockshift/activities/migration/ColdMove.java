package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.ImageLock;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.Guest;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps only a shut-off domain's move has. A is held (an {@link ImageLock}) from before B is
 * claimed until the domain is defined on B, so a VM started meanwhile fails to start rather than
 * writing to A behind the copy's back. The lock lives in this worker's process: if the worker
 * restarts, the define takes it again (failing while the VM runs) and checks that A was not written
 * since B was claimed (a VM that ran and stopped again meanwhile), so it never defines the domain on
 * a copy that misses a write.
 */
final class ColdMove {

    private static final Logger log = LoggerFactory.getLogger(ColdMove.class);

    private record Held(String workflowId, ImageLock lock) {
    }

    /** The sources held, by path. */
    private final Map<String, Held> held = new HashMap<>();
    /** A lock per domain UUID for its defines. */
    private final Map<String, Object> defining = new java.util.concurrent.ConcurrentHashMap<>();

    /** Holds A, then claims B; fails for good when the domain runs or something writes to A. */
    void holdSource(Guest guest, MigrationPlan plan) throws IOException, LibvirtException {
        hold(plan, "claim the target");
        TargetClaim.take(plan);
        if (guest.isRunning()) {
            release(plan);
            throw startedMeanwhile(plan, "since preflight");
        }
        requireSourceInDefinition(guest, plan, "hold the source");
        log.info("claim: holding {} so that {} cannot start on it; {} claimed", plan.source(), plan.domainName(),
                plan.target());
    }

    /** Lets go of A and gives up the claim on B. */
    void releaseSource(MigrationPlan plan) throws IOException {
        release(plan);
        TargetClaim.release(plan);
    }

    /**
     * Defines the domain on B, unless done already; then lets go of A. One define at a time per
     * domain: each rewrites the whole definition it read, so two disks of one shut-off VM defined at
     * once (a fleet moves them side by side) would otherwise put one disk back on its old source, and
     * its clean-up would then delete the file the domain names.
     */
    void defineOnTarget(Guest guest, MigrationPlan plan) throws IOException, LibvirtException {
        synchronized (defining.computeIfAbsent(plan.domainUuid(), uuid -> new Object())) {
            defineOnTargetAlone(guest, plan);
        }
    }

    private void defineOnTargetAlone(Guest guest, MigrationPlan plan) throws IOException, LibvirtException {
        Disk persistent = persistentDisk(guest, plan);
        if (plan.target().equals(persistent.source())) {
            log.info("define: {} is already defined on {}", plan.domainName(), plan.target());
            release(plan);
            return;
        }
        hold(plan, "define the domain on the target");
        if (guest.isRunning()) {
            throw startedMeanwhile(plan, "during the copy");
        }
        requireSourceInDefinition(guest, plan, "define the domain on the target");
        requireSourceUnchanged(plan);
        guest.defineWithDiskOn(plan.diskTarget(), Path.of(plan.target()));
        String now = persistentDisk(guest, plan).source();
        if (!plan.target().equals(now)) {
            throw new IllegalStateException("after the define, disk " + plan.diskTarget() + " of " + plan.domainName()
                    + " is on " + now + ", not " + plan.target());
        }
        release(plan);
        log.info("define: {} is defined with {} on {}", plan.domainName(), plan.diskTarget(), plan.target());
    }

    private synchronized void hold(MigrationPlan plan, String action) throws IOException {
        String us = Activity.getExecutionContext().getInfo().getWorkflowId();
        Held holder = held.get(plan.source());
        if (holder != null) {
            if (holder.workflowId().equals(us)) {
                return;
            }
            throw Failures.nonRetryable("cannot " + action + ": workflow " + holder.workflowId() + " is moving "
                    + plan.source() + " already; wait for it to end", StepFailureType.SOURCE_IN_USE);
        }
        try {
            held.put(plan.source(), new Held(us, ImageLock.hold(Path.of(plan.source()))));
        } catch (ImageLock.Busy busy) {
            throw Failures.nonRetryable("cannot " + action + ": " + busy.getMessage() + ". Domain " + plan.domainName()
                    + " was started, or another program has " + plan.source() + " open; nothing was changed on it."
                    + " Shut it off and start the migration again, or move it running",
                    StepFailureType.SOURCE_IN_USE);
        }
    }

    private synchronized void release(MigrationPlan plan) {
        String us = Activity.getExecutionContext().getInfo().getWorkflowId();
        Held holder = held.get(plan.source());
        if (holder != null && holder.workflowId().equals(us)) {
            held.remove(plan.source()).lock().close();
        }
    }

    private static Disk persistentDisk(Guest guest, MigrationPlan plan) throws LibvirtException {
        return Disk.find(guest.persistentDisks(), plan.diskTarget()).orElseThrow(() -> Failures.nonRetryable(
                "domain " + plan.domainName() + " has no disk " + plan.diskTarget() + " any more; something else"
                        + " changed its definition during the migration", StepFailureType.UNEXPECTED_LAYER));
    }

    private static void requireSourceInDefinition(Guest guest, MigrationPlan plan, String action)
            throws LibvirtException {
        String source = persistentDisk(guest, plan).source();
        if (!plan.source().equals(source)) {
            throw Failures.nonRetryable("cannot " + action + ": disk " + plan.diskTarget() + " of " + plan.domainName()
                    + " is defined on " + source + ", not " + plan.source() + "; something else changed the domain's"
                    + " definition during the migration", StepFailureType.UNEXPECTED_LAYER);
        }
    }

    /** A written after B's claim (taken while A was held) means a VM ran on A while the lock was lost. */
    private static void requireSourceUnchanged(MigrationPlan plan) throws IOException {
        Path claim = MigrationFiles.claim(plan);
        if (Files.getLastModifiedTime(Path.of(plan.source())).compareTo(Files.getLastModifiedTime(claim)) > 0) {
            throw Failures.nonRetryable(plan.source() + " was written after the copy began (did domain "
                    + plan.domainName() + " run meanwhile?), so " + plan.target() + " may miss what was written; the"
                    + " migration rolls back and leaves the domain on " + plan.source() + ". Start it again",
                    StepFailureType.SOURCE_CHANGED);
        }
    }

    private static RuntimeException startedMeanwhile(MigrationPlan plan, String when) {
        return Failures.nonRetryable("domain " + plan.domainName() + " was started " + when + "; its disk stays on "
                + plan.source() + " and the migration rolls back. Move it running, or shut it off and start again",
                StepFailureType.SOURCE_IN_USE);
    }
}
