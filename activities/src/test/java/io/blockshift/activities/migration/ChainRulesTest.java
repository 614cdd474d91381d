package io.blockshift.activities.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.ImageInfo;
import io.blockshift.workflows.ChainMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainRulesTest {

    private static final Path TARGET = Path.of("/new/vm1-vda.qcow2");
    private static final ImageInfo A = image("/old/vm1-vda.qcow2", "qcow2", "/old/_base/mid.qcow2", 0);
    private static final ImageInfo MID = image("/old/_base/mid.qcow2", "qcow2", "/cache/base.img", 0);
    private static final ImageInfo BASE = image("/cache/base.img", "raw", null, 0);
    /** The roots hold /new and /cache, not /old. */
    private static final ChainRules.Roots ROOTS = file -> file.startsWith("/new") || file.startsWith("/cache");

    @Test
    void anImageWithoutBackingMovesWhateverTheMode() throws IOException {
        for (ChainMode mode : ChainMode.values()) {
            assertNull(whyNot(List.of(image("/old/a.img", "raw", null, 3)), mode));
        }
    }

    @Test
    void copyAndFlattenMoveAChainFromOutsideTheRoots() throws IOException {
        assertNull(whyNot(List.of(A, MID, BASE), ChainMode.COPY));
        assertNull(whyNot(List.of(A, MID, BASE), ChainMode.FLATTEN));
    }

    @Test
    void shallowIsRefusedWhenABackingImageLiesOutsideTheRoots() throws IOException {
        String why = whyNot(List.of(A, MID, BASE), ChainMode.SHALLOW);
        assertEquals("disk vda of vm1: chain 'shallow' would leave B backed by /old/_base/mid.qcow2, which lies outside "
                + "this worker's storage roots (/new, /cache), the storage the target side is given to reach; use chain "
                + "'copy' or 'flatten' to bring it along, or start the worker with --storage-root naming its directory", why);
        assertNull(whyNot(List.of(A, BASE), ChainMode.SHALLOW), "a base inside the roots stays where it is");
    }

    @Test
    void internalSnapshotsAnywhereInTheChainAreRefusedAsLost() throws IOException {
        String why = whyNot(List.of(A, image(MID.filename(), "qcow2", BASE.filename(), 2), BASE), ChainMode.COPY);
        assertTrue(why.startsWith("disk vda of vm1: /old/_base/mid.qcow2 holds 2 internal snapshot(s), which blockshift "
                + "does not carry to the new storage: they would be lost."), why);
        assertTrue(why.contains("qemu-img snapshot -U -l /old/_base/mid.qcow2"), why);
    }

    @Test
    void anExternalDataFileIsRefused() throws IOException {
        ImageInfo withData = new ImageInfo(MID.filename(), "qcow2", 1 << 24, 0, "base.img", BASE.filename(), "raw", 0,
                "/old/mid.data");
        assertTrue(whyNot(List.of(A, withData, BASE), ChainMode.FLATTEN).contains("keeps its data in an external file"));
    }

    @Test
    void copiesAreNamedByTheLayersFileNameInTheTargetsDirectory() {
        assertEquals(Path.of("/new/mid.qcow2"), ChainRules.copyOf(Path.of("/old/_base/mid.qcow2"), TARGET.getParent()));
    }

    @Test
    void twoLayersWithOneFileNameAreRefusedForCopyOnly() throws IOException {
        ImageInfo mid = image("/old/a/base.img", "qcow2", "/old/b/base.img", 0);
        ImageInfo base = image("/old/b/base.img", "raw", null, 0);
        ImageInfo top = image("/old/vm1-vda.qcow2", "qcow2", "/old/a/base.img", 0);
        assertTrue(whyNot(List.of(top, mid, base), ChainMode.COPY).contains("have the same file name"));
        assertNull(whyNot(List.of(top, mid, base), ChainMode.FLATTEN));
    }

    @Test
    void aCopyNamedAsTheTargetIsRefused() throws IOException {
        ImageInfo base = image("/old/_base/vm1-vda.qcow2", "raw", null, 0);
        ImageInfo top = image("/old/vm1-vda.qcow2", "qcow2", base.filename(), 0);
        assertTrue(whyNot(List.of(top, base), ChainMode.COPY).contains("a name this migration uses for its own files"));
    }

    private static String whyNot(List<ImageInfo> chain, ChainMode mode) throws IOException {
        return ChainRules.whyNot("disk vda of vm1", chain, mode, TARGET,
                MigrationFiles.beside(TARGET).all(), ROOTS, "/new, /cache");
    }

    private static ImageInfo image(String file, String format, String backing, int snapshots) {
        return new ImageInfo(file, format, 1 << 24, 1 << 20, backing, backing, backing == null ? null : "qcow2",
                snapshots, null);
    }
}
