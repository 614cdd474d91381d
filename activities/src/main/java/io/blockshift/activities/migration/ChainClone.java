package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.QemuImg;
import io.blockshift.cloners.CloneException;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloner;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clone step's work on a disk whose A has backing images: the layers' copies ({@code copy}),
 * the one standalone image ({@code flatten}), B's backing pointer, and the check that the guest
 * sees through B's chain what it sees through A's ({@code qemu-img compare}, not the files' bytes,
 * which differ in the header once B is rebased).
 */
final class ChainClone {

    private static final Logger log = LoggerFactory.getLogger(ChainClone.class);
    private static final String CLONE_STEP = DiskPhase.CLONE.wire();
    /** What the report names as the check of a copy through a chain. */
    static final String COMPARE = "qemu-img compare";

    private ChainClone() {
    }

    /** Copies the backing layers the plan needs copied (none but for {@code copy}) with {@code cloner}. */
    static LayerCopies.Outcome copyLayers(MigrationPlan plan, Cloner cloner, ActivityExecutionContext context,
            long[] bytesCopied) throws IOException, InterruptedException {
        return LayerCopies.ensure(plan, (source, partial) -> {
            // A layer's copy never resumes: its heartbeats carry offset 0, so a retry never resumes A's clone from them.
            try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context, new StepProgress(CLONE_STEP, 0, 0, 0))) {
                CloneResult result = cloner.clone(new CloneRequest(source, partial, plan.bandwidthBytesPerSecond(), 0,
                        plan.verify()), (offset, done, total) -> alive.heartbeat(new StepProgress(CLONE_STEP, done, total, 0)));
                bytesCopied[0] += result.bytesCopied();
                return result.bytesCopied();
            } catch (CloneException e) {
                Files.deleteIfExists(partial);
                if (!e.retryable()) {
                    throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), StepFailureType.clone(e.kind()), e);
                }
                throw e;
            }
        });
    }

    /** Writes {@code partial} as one standalone qcow2 of everything the guest sees through A. */
    static long flatten(MigrationPlan plan, Path partial, ActivityExecutionContext context)
            throws IOException, InterruptedException {
        Files.deleteIfExists(partial); // qemu-img convert replaces a file: only ever our own partial name
        try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context, new StepProgress(CLONE_STEP, 0, 0, 0))) {
            QemuImg.flatten(Path.of(plan.source()), plan.sourceFormat(), partial, LayerCopies.COMPARE_TIMEOUT);
        }
        log.info("clone: flattened {} and its {} backing image(s) into {}", plan.source(), plan.backing().size(), partial);
        return Files.size(partial);
    }

    /** Points the fresh copy of A at the backing file B must name ({@link MigrationPlan#targetBacking()}). */
    static void pointAtBacking(MigrationPlan plan, Path copyOfA) throws IOException, InterruptedException {
        String backing = plan.targetBacking();
        if (backing != null) {
            QemuImg.rebaseUnsafe(copyOfA, Path.of(backing), plan.backing().get(0).format());
        }
    }

    /**
     * Checks that B's chain shows the guest what A's does, failing for good when it does not (the
     * rollback then deletes B and this migration's layer copies).
     */
    static String verify(MigrationPlan plan, ActivityExecutionContext context) throws IOException, InterruptedException {
        String differs;
        try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context, new StepProgress(CLONE_STEP, 0, 0, 0))) {
            differs = QemuImg.differences(Path.of(plan.source()), plan.sourceFormat(), Path.of(plan.target()),
                    plan.chain() == ChainMode.FLATTEN ? "qcow2" : plan.sourceFormat(), LayerCopies.COMPARE_TIMEOUT);
        }
        if (differs != null) {
            throw Failures.nonRetryable("the guest would not see through " + plan.target() + " what it sees through "
                    + plan.source() + " (" + differs + "); the migration rolls back and deletes the copy. Check the storage "
                    + "under " + Path.of(plan.target()).getParent() + " and start again", StepFailureType.CHAIN_MISMATCH);
        }
        return "identical guest-visible content";
    }

    /** The step's report for a chained disk. */
    static CloneReport report(MigrationPlan plan, String cloner, long bytesCopied, long resumedFrom, String same,
            LayerCopies.Outcome layers) throws IOException {
        return new CloneReport(cloner, plan.clonerReason(), Files.size(Path.of(plan.target())), bytesCopied, resumedFrom,
                COMPARE, same, same, layers.copied(), layers.reused());
    }
}
