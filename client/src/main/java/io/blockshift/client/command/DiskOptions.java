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

    /** The request to move this disk to {@code target} (made absolute), copied as {@code copying} says. */
    MigrateDiskRequest request(Path target, ClonerOptions copying) {
        MigrateDiskRequest request = new MigrateDiskRequest(domain, disk, target.toAbsolutePath().normalize().toString());
        request.cloner = copying.cloner;
        request.bandwidthMiBps = copying.bandwidthMiBps;
        return request;
    }
}
