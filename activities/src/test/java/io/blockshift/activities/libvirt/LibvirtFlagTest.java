package io.blockshift.activities.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LibvirtFlagTest {

    @Test
    void flagsOfOneCallOrTogetherAndFlagsOfTwoCallsDoNotMix() {
        assertEquals(4 | 16 | 128, LibvirtFlag.of(LibvirtFlag.SNAPSHOT_DISK_ONLY, LibvirtFlag.SNAPSHOT_ATOMIC,
                LibvirtFlag.SNAPSHOT_NO_METADATA));
        assertEquals(1 | 2 | 4, LibvirtFlag.of(LibvirtFlag.COPY_SHALLOW, LibvirtFlag.COPY_REUSE_EXT,
                LibvirtFlag.COPY_TRANSIENT_JOB));
        assertEquals(1 | 4 | 16, LibvirtFlag.of(LibvirtFlag.COMMIT_SHALLOW, LibvirtFlag.COMMIT_ACTIVE,
                LibvirtFlag.COMMIT_BANDWIDTH_BYTES));
        assertEquals(1 | 2 | 8, LibvirtFlag.of(LibvirtFlag.COPY_SHALLOW, LibvirtFlag.COPY_REUSE_EXT,
                LibvirtFlag.COPY_SYNCHRONOUS_WRITES));
        assertEquals(2, LibvirtFlag.of(LibvirtFlag.ABORT_PIVOT));
        assertThrows(IllegalArgumentException.class,
                () -> LibvirtFlag.of(LibvirtFlag.COPY_SHALLOW, LibvirtFlag.COMMIT_ACTIVE));
    }
}
