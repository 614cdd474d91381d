package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.activities.files.FileOwnership;
import io.blockshift.cloners.CloneException;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloner;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.CloneReport;
import io.blockshift.workflows.DiskPhase;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.StepProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2: clones A into B's partial name with the plan's cloner, resuming from the last heartbeat,
 * and publishes B by linking it into place when complete, so B never exists half-written.
 */
final class ClonePublisher {

    private static final Logger log = LoggerFactory.getLogger(ClonePublisher.class);

    /** What this step's heartbeats name it. */
    private static final String CLONE_STEP = DiskPhase.CLONE.wire();

    private final Cloners cloners;

    ClonePublisher(Cloners cloners) {
        this.cloners = cloners;
    }

    CloneReport cloneAndPublish(MigrationPlan plan) throws IOException, InterruptedException {
        ActivityExecutionContext context = Activity.getExecutionContext();
        Path source = Path.of(plan.source());
        Path target = Path.of(plan.target());
        Path partial = Path.of(plan.partialTarget());
        Cloner cloner = cloners.all().get(plan.cloner());
        if (cloner == null) {
            throw Failures.nonRetryable("cloner '" + plan.cloner()
                    + "' is not on this worker's classpath; known: " + cloners.names(), StepFailureType.UNKNOWN_CLONER);
        }
        // Read before anything heartbeats: where an earlier attempt's copy of A got to.
        Optional<StepProgress> lastProgress = context.getHeartbeatDetails(StepProgress.class);
        long[] layerBytes = {0};
        LayerCopies.Outcome layers = ChainClone.copyLayers(plan, cloner, context, layerBytes);
        if (Files.exists(partial) && Files.exists(target) && Files.isSameFile(partial, target)) {
            Files.delete(partial); // an earlier attempt published B and died before removing this second name
        }
        if (Files.exists(target) && !Files.exists(partial)) {
            // An earlier attempt published B and died before reporting: report what it would have.
            log.info("clone: {} was already cloned by an earlier attempt; checksumming it again", target);
            if (plan.hasBacking()) {
                return ChainClone.report(plan, plan.cloner(), layerBytes[0], 0, ChainClone.verify(plan, context), layers);
            }
            CloneResult result = recheck(cloner, new CloneRequest(source, target, 0, 0, plan.verify()), context);
            return new CloneReport(result.cloner(), plan.clonerReason(), result.size(), 0, 0,
                    result.checksumAlgorithm(), result.sourceChecksum(), result.targetChecksum());
        }
        if (plan.hasBacking() && plan.chain() == ChainMode.FLATTEN) {
            long size = ChainClone.flatten(plan, partial, context);
            publish(source, partial, target);
            return ChainClone.report(plan, "qemu-img convert", size, 0, ChainClone.verify(plan, context), layers);
        }
        long resumeFrom = lastProgress
                .filter(p -> Files.exists(partial))
                .map(StepProgress::resumeOffset).orElse(0L);
        if (resumeFrom == 0) {
            Files.deleteIfExists(partial);
        }
        CloneRequest request = new CloneRequest(source, partial, plan.bandwidthBytesPerSecond(), resumeFrom, plan.verify());
        log.info("clone: {} -> {} with {}{}", source, target, cloner.name(),
                resumeFrom > 0 ? " resuming at byte " + resumeFrom : "");
        CloneResult result;
        try (HeartbeatKeepAlive alive = new HeartbeatKeepAlive(context,
                new StepProgress(CLONE_STEP, resumeFrom, resumeFrom, resumeFrom))) {
            result = cloner.clone(request, (offset, done, total) ->
                    alive.heartbeat(new StepProgress(CLONE_STEP, resumeFrom + done, resumeFrom + total, offset)));
        } catch (CloneException e) {
            // A file that took the partial target's place is not ours to delete.
            if (e.kind() != CloneException.Kind.TARGET_EXISTS && (!e.retryable()
                    || e.kind() == CloneException.Kind.VERIFICATION_FAILED)) {
                // Nothing to resume from: a wrong copy starts over, a hopeless one leaves nothing.
                Files.deleteIfExists(partial);
            }
            failIfHopeless(e);
            throw e;
        } catch (ActivityCompletionException canceled) {
            Files.deleteIfExists(partial);
            throw canceled;
        }
        ChainClone.pointAtBacking(plan, partial);
        publish(source, partial, target);
        log.info("clone: {} bytes copied, {} {}", result.bytesCopied(), result.checksumAlgorithm(),
                result.targetChecksum());
        if (plan.hasBacking()) {
            return ChainClone.report(plan, result.cloner(), result.bytesCopied() + layerBytes[0], resumeFrom,
                    ChainClone.verify(plan, context), layers);
        }
        return new CloneReport(result.cloner(), plan.clonerReason(), result.size(), result.bytesCopied(), resumeFrom,
                result.checksumAlgorithm(), result.sourceChecksum(), result.targetChecksum());
    }

    private static void publish(Path source, Path partial, Path target) throws IOException {
        FileOwnership.copy(source, partial);
        // A hard link publishes B atomically and never replaces a file that appeared meanwhile.
        Files.createLink(target, partial);
        Files.delete(partial);
    }

    private static CloneResult recheck(Cloner cloner, CloneRequest request, ActivityExecutionContext context)
            throws IOException {
        try {
            return cloner.recheck(request, (offset, done, total) ->
                    context.heartbeat(new StepProgress(CLONE_STEP, done, total, offset)));
        } catch (CloneException e) {
            if (e.kind() == CloneException.Kind.VERIFICATION_FAILED) {
                // A retry would only read the same two files again: B was checked against A before
                // it was published, so a mismatch now is no passing fault. Failing lets the rollback
                // delete B (deleteBase): preflight found no file at B, so it is this migration's copy.
                // No cause attached: the workflow reports the innermost failure's message, and this one says more.
                throw ApplicationFailure.newNonRetryableFailure(request.target()
                        + ", published by an earlier attempt of this step, no longer matches " + request.source()
                        + " (" + e.getMessage() + "); the migration rolls back and deletes it. Check the storage under "
                        + request.target().getParent() + " (dmesg, the filesystem's errors), then start the migration again",
                        StepFailureType.clone(e.kind()));
            }
            failIfHopeless(e);
            throw e;
        }
    }

    /** Fails for good, with the clone's kind as the type, when no retry can mend {@code e}. */
    private static void failIfHopeless(CloneException e) {
        if (!e.retryable()) {
            throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), StepFailureType.clone(e.kind()), e);
        }
    }
}
