package io.blockshift.client.command;

import io.blockshift.workflows.MigrateDiskRequest;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which disk of which VM, for {@code migrate} and {@code plan}. */
final class DiskOptions {

    @Option(names = "--domain", required = true, paramLabel = "DOMAIN", description = "The VM: its libvirt name or UUID.")
    String domain;

    @Option(names = "--disk", required = true, paramLabel = "DISK",
            description = "The disk: its target dev (vda) or its current source path.")
    String disk;

    @Option(names = "--chain", paramLabel = "MODE", defaultValue = "copy",
            description = "What happens to a backing chain under the disk's image: copy (each backing image copied once"
                    + " into the target's directory, shared by every disk moved there), flatten (one standalone image) or"
                    + " shallow (the backing files stay where they are; they must lie inside the worker's storage roots)."
                    + " Default: ${DEFAULT-VALUE}.")
    String chain;

    @Option(names = "--delete-unused-backing",
            description = "At clean-up, delete the old backing images that no defined domain on the host uses any more.")
    boolean deleteUnusedBacking;

    /** The request to move this disk to {@code target} (made absolute), copied as {@code copying} says. */
    MigrateDiskRequest request(Path target, ClonerOptions copying) {
        MigrateDiskRequest request = new MigrateDiskRequest(domain, disk, target.toAbsolutePath().normalize().toString());
        request.cloner = copying.cloner;
        request.bandwidthMiBps = copying.bandwidthMiBps;
        request.chain = chain == null ? request.chain : chain;
        request.deleteUnusedBacking = deleteUnusedBacking;
        return request;
    }
}
