package io.blockshift.activities.migration;

import io.blockshift.workflows.BackingLayer;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrationPlan;
import io.blockshift.workflows.UnneededBacking;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At clean-up: the old chain's backing images the moved disk no longer needs ({@code copy} and
 * {@code flatten}; none for {@code shallow}), who on the host still uses each, and, with
 * {@code deleteUnusedBacking}, their deletion when no defined domain does. Nothing is deleted
 * when the chain of some domain's disk could not be read.
 */
final class BackingRelease {

    private static final Logger log = LoggerFactory.getLogger(BackingRelease.class);

    private BackingRelease() {
    }

    static List<UnneededBacking> release(MigrationPlan plan, Connect connection) throws IOException, LibvirtException {
        List<UnneededBacking> unneeded = new ArrayList<>();
        if (!plan.hasBacking() || plan.chain() == ChainMode.SHALLOW) {
            return unneeded;
        }
        ChainUsers users = ChainUsers.scan(connection);
        for (BackingLayer layer : plan.backing()) {
            if (layer.copy() != null && LayerCopies.inPlace(layer)) {
                continue; // the base already lay in the target's directory: the moved disk still uses it
            }
            Heartbeat.now();
            Path path = Path.of(layer.path());
            List<String> usedBy = users.of(layer.path());
            boolean deleted = false;
            if (plan.deleteUnusedBacking() && usedBy.isEmpty()) {
                if (!users.unreadable().isEmpty()) {
                    log.warn("cleanup: keeping {}: the chains of {} could not be read, so might use it", path,
                            users.unreadable());
                } else {
                    Files.deleteIfExists(path);
                    deleted = true;
                }
            }
            unneeded.add(new UnneededBacking(layer.path(), usedBy, deleted));
        }
        log.info("cleanup: backing images the disk no longer needs: {}", unneeded);
        return unneeded;
    }
}
