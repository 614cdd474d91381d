package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.temporal.common.converter.GlobalDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fleet's lists against a real server's 2 MB payload limit, with names as long as a real fleet's. */
class FleetPayloadsTest {

    static List<MigrateDiskRequest> disks(int n) {
        List<MigrateDiskRequest> disks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            disks.add(MigrateFleetScaleTest.realisticDisk(i));
        }
        return disks;
    }

    @Test
    void disksTravelPackedInAboutATwentiethOfTheirJson() {
        List<MigrateDiskRequest> disks = disks(10_000);
        disks.get(7).keepSource = true;
        disks.get(8).cloner = "reflink";

        byte[] packed = FleetPayloads.pack(disks);
        List<MigrateDiskRequest> unpacked = FleetPayloads.unpack(packed, new TypeReference<List<MigrateDiskRequest>>() {
        });

        long json = FleetPayloads.jsonBytes(disks);
        System.out.printf("FleetPayloads: 10,000 disks: %d bytes as JSON, %d packed%n", json, packed.length);
        assertTrue(packed.length < json / 16, packed.length + " of " + json);
        assertEquals(json, FleetPayloads.jsonBytes(unpacked));
        assertTrue(unpacked.get(7).keepSource);
        assertEquals("reflink", unpacked.get(8).cloner);
        assertEquals(disks.get(9999).target, unpacked.get(9999).target);
    }

    @Test
    void theCarriedStateLeavesDefaultsOutAndPacksWhatIsPending() {
        FleetState state = new FleetState();
        state.limits = new MigrateFleetRequest();
        state.limits.maxConcurrent = 8;
        state.pending = new ArrayList<>(disks(10_000));
        state.ready.add(new FleetDisk(10_000, MigrateFleetScaleTest.realisticDisk(10_000), "migrate-disk/host0/u/vda",
                "host0/u", "host0", "/srv/new-storage/pool-00", 1L << 30, null));

        state.pack();
        String json = new String(GlobalDataConverter.get().toPayload(state).get().getData().toByteArray(), StandardCharsets.UTF_8);
        FleetState next = GlobalDataConverter.get().fromPayload(GlobalDataConverter.get().toPayload(state).get(),
                FleetState.class, FleetState.class);
        next.unpack();

        System.out.printf("FleetPayloads: state carrying 10,000 pending disks: %d bytes%n", json.length());
        assertTrue(json.length() < 512 << 10, "under the server's 512 KB warning: " + json.length());
        assertTrue(json.startsWith("{\"limits\":{\"maxConcurrent\":8},\"pendingPacked\":\""), json.substring(0, 80));
        assertFalse(json.contains("\"migrations\"") || json.contains("\"paused\"") || json.contains("\"run\""), json.substring(0, 80));
        assertEquals(10_000, next.pending.size());
        assertEquals(1, next.ready.size());
        assertEquals("migrate-disk/host0/u/vda", next.ready.get(0).workflowId());
        assertNull(next.pendingPacked);
        assertNull(next.readyPacked);
        assertEquals(1, next.run);
        assertEquals(8, next.limits.maxConcurrent);
        assertEquals(2, next.limits.maxPerHost);
    }

    @Test
    void aSelectorExpansionOverThePayloadLimitIsRefusedNamingHowManyDisksFit() {
        assertNull(FleetPayloads.expansionTooLarge(disks(10_000)));

        String refusal = FleetPayloads.expansionTooLarge(disks(20_000));
        System.out.println("FleetPayloads: " + refusal);

        assertTrue(refusal.startsWith("the selector matches 20000 disks, 2"), refusal);
        assertTrue(refusal.contains("more than one Temporal payload may hold (2097152 bytes); with names like these about 15"),
                refusal);
        assertTrue(refusal.endsWith("Narrow 'select.domains' or 'select.sourceUnder' and start one fleet for each part"), refusal);
    }
}
