package io.blockshift.activities.migration;

import io.blockshift.activities.Failures;
import io.blockshift.activities.StepFailureType;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A migration's claim on B's name, taken before its first change: preflight found no B and none of
 * its working files, but reserves nothing, so a second migration given the same target (started
 * apart from any fleet, which refuses that itself) would otherwise take B, B' and A' for its own,
 * adopting or deleting the first one's files. Written whole and synced under a name of its own, then
 * linked into place (a link fails where the name exists), so only one migration gets it and no
 * crash leaves a claim without its holder's ID; a retry finds its own workflow ID in it. Given up
 * when the migration ends (clean-up, or the snapshot's revert, the last compensation).
 */
final class TargetClaim {

    private TargetClaim() {
    }

    /** Claims the plan's target for this activity's workflow, or fails naming the one that holds it. */
    static void take(MigrationPlan plan) throws IOException {
        Path claim = MigrationFiles.claim(plan);
        String us = workflowId();
        Path scratch = MigrationFiles.claimScratch(plan, us);
        try {
            Files.deleteIfExists(scratch); // an earlier attempt's, never linked
            try (FileChannel out = FileChannel.open(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(us.getBytes(StandardCharsets.UTF_8)));
                out.force(true);
            }
            Files.createLink(claim, scratch);
        } catch (FileAlreadyExistsException e) {
            String holder = Files.readString(claim).strip();
            if (!holder.equals(us)) {
                throw Failures.nonRetryable("another migration, workflow " + holder + ", is moving a"
                        + " disk to " + plan.target() + " (it holds " + claim + "); nothing was changed: give this"
                        + " disk another target, or wait for that migration to end", StepFailureType.TARGET_RESERVED);
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** Gives up the plan's target, unless another migration holds it. */
    static void release(MigrationPlan plan) throws IOException {
        Path claim = MigrationFiles.claim(plan);
        try {
            if (Files.readString(claim).strip().equals(workflowId())) {
                Files.delete(claim);
            }
        } catch (NoSuchFileException released) {
            // Released by an earlier attempt, or never taken (a migration a build before this one began).
        }
    }

    /** The workflow that holds the plan's target when it is not this one, or null when it is ours or free. */
    static String otherHolder(MigrationPlan plan) throws IOException {
        try {
            String holder = Files.readString(MigrationFiles.claim(plan)).strip();
            return holder.equals(workflowId()) ? null : holder;
        } catch (NoSuchFileException free) {
            return null;
        }
    }

    private static String workflowId() {
        return Activity.getExecutionContext().getInfo().getWorkflowId();
    }
}
