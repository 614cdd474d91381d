package io.blockshift.activities.agentless;

import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.libvirt.StorageVolume;
import io.blockshift.cloners.CloneException;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.zip.CRC32C;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code verify} of an agentless clone of a raw A: A and B read whole through libvirt's
 * download streams and hashed with the checksum the local cloners report, so that the workflow's
 * result shows the copy verified. Both raw images hold the guest's bytes as they are, so equal
 * bytes mean an equal copy. Every byte of both crosses the connection: off unless asked for.
 */
final class VolumeChecksum {

    private static final Logger log = LoggerFactory.getLogger(VolumeChecksum.class);
    /** The algorithm's name as the local cloners' {@code Crc32cSum} records it. */
    static final String ALGORITHM = "crc32c";
    private static final String CLONE_STEP = DiskPhase.CLONE.wire();

    /** The two sums, as hex, equal. */
    record Sums(String source, String target) {
    }

    private final ActivityExecutionContext context;
    private final long total;
    private long done;

    private VolumeChecksum(ActivityExecutionContext context, long total) {
        this.context = context;
        this.total = total;
    }

    /**
     * Reads {@code a} (at {@code source}) and then {@code b} (at {@code target}), heartbeating the
     * bytes read of both as the clone step's progress, and compares their sums.
     *
     * @throws ApplicationFailure non-retryable, {@code CloneVERIFICATION_FAILED}, when they differ:
     *     a copy libvirt reported as done is wrong, and reading again would not mend it
     */
    static Sums compare(StorageVolume a, String source, StorageVolume b, String target, long capacity,
            ActivityExecutionContext context) throws LibvirtException {
        VolumeChecksum reader = new VolumeChecksum(context, 2 * capacity);
        log.info("verify: reading {} and {} through libvirt streams ({} bytes each)", source, target, capacity);
        CRC32C sourceSum = new CRC32C();
        long sourceLength = reader.read(a, sourceSum);
        CRC32C targetSum = new CRC32C();
        long targetLength = reader.read(b, targetSum);
        String sourceHex = hex(sourceSum);
        String targetHex = hex(targetSum);
        if (sourceLength != targetLength || !sourceHex.equals(targetHex)) {
            throw ApplicationFailure.newNonRetryableFailure(target + " does not match " + source + " as libvirt reads"
                    + " them (" + targetLength + " bytes, crc32c " + targetHex + " != " + sourceLength + " bytes, crc32c "
                    + sourceHex + "): libvirt's copy is wrong; the migration rolls back and deletes it. Check the target"
                    + " pool's storage (the host's dmesg, the filesystem's errors), then start the migration again",
                    StepFailureType.clone(CloneException.Kind.VERIFICATION_FAILED));
        }
        log.info("verify: {} matches {}: {} bytes, crc32c {}", target, source, sourceLength, sourceHex);
        return new Sums(sourceHex, targetHex);
    }

    /** Hashes all of {@code volume} into {@code sum}; the bytes that arrived. */
    private long read(StorageVolume volume, CRC32C sum) throws LibvirtException {
        heartbeat();
        return volume.download((bytes, length) -> {
            sum.update(bytes, 0, length);
            done += length;
            heartbeat(); // the SDK sends at most one per throttle interval
        });
    }

    private void heartbeat() {
        context.heartbeat(new StepProgress(CLONE_STEP, Math.min(done, total), total, 0));
    }

    private static String hex(CRC32C sum) {
        return String.format("%08x", sum.getValue());
    }
}
