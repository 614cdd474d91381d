package io.blockshift.activities.libvirt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DiskWriteLimitTest {

    @Test
    void theGroupQemuNamesAfterADiskWithLimitsOfItsOwnIsTheDisksOwnAndANamedGroupIsShared() {
        // What QEMU 7.2 reports for a disk given limits with no group (found on libvirt 9.0 here).
        assertTrue(DiskWriteLimit.isDevicesOwn("/machine/peripheral/virtio-disk0/virtio-backend"));
        assertTrue(DiskWriteLimit.isDevicesOwn("drive-virtio-disk0"));
        assertTrue(DiskWriteLimit.isDevicesOwn(""));
        assertFalse(DiskWriteLimit.isDevicesOwn("tenant-42"));
    }
}
