package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two migrations given one target: the second never touches the first one's files. */
class TargetReservationOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void aTargetAnotherMigrationClaimedAfterPreflightStopsThisOneBeforeAnyChangeAndItsClaimStays() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            Path claim = Path.of(vm.target() + ".blockshift-reserved");
            // What the other migration's snapshot step leaves once it has begun, after this one's preflight passed.
            HookedActivities activities = activities(vm.dst).before("snapshot",
                    () -> Files.writeString(claim, "migrate-other-vm-vda"));

            WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                    () -> migrate(activities, request(vm, vm.target())));

            ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("RolledBack", failure.getType());
            assertTrue(failure.getOriginalMessage().contains("another migration, workflow migrate-other-vm-vda, is moving a disk to "
                    + vm.target()), failure.getOriginalMessage());
            assertEquals(1, Collections.frequency(activities.calls, "snapshot"), "not retried: " + activities.calls);
            assertEquals(vm.vda.toString(), vm.liveDisk("vda").source(), "the guest runs on A");
            assertEquals("migrate-other-vm-vda", Files.readString(claim), "the other migration's claim is untouched");
            assertEquals(List.of("dst/vda-moved.img.blockshift-reserved", "src/vda.img", "src/vdb.img"), vm.files());
        }
    }

    @Test
    void aMigrationClaimsItsTargetWhileItRunsAndGivesItUpAtTheEnd() throws Exception {
        try (TestVm vm = TestVm.start(libvirt, "raw", 16)) {
            Path claim = Path.of(vm.target() + ".blockshift-reserved");
            String[] heldDuringCopy = {null};
            HookedActivities activities = activities(vm.dst).before("cloneBase",
                    () -> heldDuringCopy[0] = Files.readString(claim));

            migrate(activities, request(vm, vm.target()));

            assertTrue(heldDuringCopy[0] != null && heldDuringCopy[0].startsWith(TestVm.PREFIX),
                    "the claim names this migration's workflow: " + heldDuringCopy[0]);
            assertEquals(List.of("dst/vda-moved.img", "src/vdb.img"), vm.files(), "the claim is gone with the rest");
        }
    }
}
