package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chain fields on the wire: their words, their defaults, and records written before they existed. */
class ChainFieldsTest {

    private static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();

    @Test
    void theRequestDefaultsToCopyAndKeepsTheOldBackingImages() throws Exception {
        MigrateDiskRequest request = JSON.readValue("{\"domain\": \"vm1\", \"disk\": \"vda\", \"target\": \"/new/a.img\"}",
                MigrateDiskRequest.class);
        assertEquals(ChainMode.COPY, request.chainMode());
        assertFalse(request.deleteUnusedBacking);
        assertEquals(List.of(), request.problems());
        assertEquals("{\"domain\":\"vm1\",\"disk\":\"vda\",\"target\":\"/new/a.img\"}", JSON.writeValueAsString(request),
                "the defaults stay off the wire");
    }

    @Test
    void theRequestTakesEachModeByItsWordAndRefusesOthersNamingThem() throws Exception {
        for (ChainMode mode : ChainMode.values()) {
            MigrateDiskRequest request = JSON.readValue("{\"domain\": \"vm1\", \"disk\": \"vda\", \"target\": \"/n/a\", "
                    + "\"chain\": \"" + mode.wire() + "\", \"deleteUnusedBacking\": true}", MigrateDiskRequest.class);
            assertEquals(mode, request.chainMode());
            assertTrue(request.deleteUnusedBacking);
            assertEquals(List.of(), request.problems());
        }
        MigrateDiskRequest bad = new MigrateDiskRequest("vm1", "vda", "/n/a");
        bad.chain = "deep";
        assertEquals(List.of("'chain' 'deep' is not a chain mode: give one of copy, flatten, shallow, or leave it out for copy"),
                bad.problems());
    }

    @Test
    void aPlanRecordedBeforeChainsMovedReadsAsOneWithoutBacking() throws Exception {
        String old = JSON.writeValueAsString(Fixtures.PLAN).replaceAll(",\"chain\":\"copy\",\"backing\":\\[\\],"
                + "\"deleteUnusedBacking\":false", "");
        assertFalse(old.contains("chain"), old);
        MigrationPlan plan = JSON.readValue(old, MigrationPlan.class);
        assertEquals(ChainMode.COPY, plan.chain());
        assertEquals(List.of(), plan.backing());
        assertFalse(plan.hasBacking());
        assertNull(plan.targetBacking());
        assertEquals(Fixtures.PLAN, plan);
    }

    @Test
    void reportsAndResultsRecordedBeforeChainsMovedReadWithNothingAboutBacking() throws Exception {
        CleanupReport cleanup = JSON.readValue("{\"deleted\": [], \"kept\": [], \"snapshotMetadataDeleted\": []}",
                CleanupReport.class);
        assertEquals(List.of(), cleanup.unneededBacking());
        CloneReport clone = JSON.readValue("{\"cloner\": \"sparse\", \"size\": 1}", CloneReport.class);
        assertEquals(List.of(), clone.backingCopied());
        assertEquals(List.of(), clone.backingReused());
        MigrateDiskResult result = JSON.readValue("{\"domain\": \"vm1\", \"stepMillis\": {}}", MigrateDiskResult.class);
        assertEquals(List.of(), result.unneededBacking());
    }

    @Test
    void theBackingBNamesFollowsTheMode() {
        List<BackingLayer> layers = List.of(new BackingLayer("/old/mid.qcow2", "qcow2", 1, 1, "/new/mid.qcow2"),
                new BackingLayer("/old/base.img", "raw", 1, 1, "/new/base.img"));
        assertEquals("/new/mid.qcow2", with(ChainMode.COPY, layers).targetBacking());
        assertNull(with(ChainMode.FLATTEN, layers).targetBacking());
        assertEquals("/old/mid.qcow2", with(ChainMode.SHALLOW, layers).targetBacking());
    }

    private static MigrationPlan with(ChainMode mode, List<BackingLayer> layers) {
        MigrationPlan p = Fixtures.PLAN;
        return new MigrationPlan(p.connectUri(), p.domainName(), p.domainUuid(), p.persistent(), p.diskTarget(),
                p.source(), p.sourceFormat(), p.sourceSize(), p.sourceAllocated(), p.top(), p.target(), p.partialTarget(),
                p.overlay(), p.cloner(), p.clonerReason(), p.bandwidthBytesPerSecond(), p.keepSource(), p.verify(), mode,
                layers, false);
    }
}
