package io.blockshift.cloners;

import static io.blockshift.cloners.TestFiles.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cloners on real filesystems made for the test: XFS with reflink, ext4, and a tiny ext4 that
 * fills up. Needs root (loop mounts); skipped otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilesystemsTest {

    private LoopMount xfs;
    private LoopMount ext4;
    private LoopMount tiny;
    private Path onXfs;
    private Path onExt4;

    @BeforeAll
    void mount() throws Exception {
        try {
            xfs = LoopMount.xfsWithReflink(512);
            ext4 = LoopMount.ext4(256);
            tiny = LoopMount.ext4(64);
        } catch (Exception | Error e) {
            unmount();
            throw e;
        }
    }

    @AfterAll
    void unmount() throws Exception {
        for (LoopMount mount : new LoopMount[] {tiny, ext4, xfs}) {
            if (mount != null) {
                mount.close();
            }
        }
    }

    @BeforeEach
    void directories() throws Exception {
        onXfs = TestFiles.newDirectory(xfs.dir());
        onExt4 = TestFiles.newDirectory(ext4.dir());
    }

    @AfterEach
    void clean() throws Exception {
        TestFiles.deleteTree(onXfs);
        TestFiles.deleteTree(onExt4);
    }

    private static Path image(Path dir) throws Exception {
        return TestFiles.sparseFile(dir.resolve("disk.img"), 64L * MiB, 0, 2 * MiB, 30L * MiB, 3 * MiB);
    }

    /** The sparse cloner's copy of {@code source} on the XFS filesystem, once its bytes are known to be the source's. */
    private Path sparseCopyOnXfs(Path source) throws Exception {
        Path target = onXfs.resolve("copy.img");
        new SparseCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);
        assertTrue(TestFiles.sameBytes(source, target));
        return target;
    }

    @Test
    void reflinkOnXfsSharesExtentsAndIsByteEqual() throws Exception {
        Path source = image(onXfs);
        Path target = onXfs.resolve("clone.img");
        CloneResult result = new ReflinkCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);

        assertTrue(TestFiles.hasSharedExtents(target), TestFiles.run("filefrag", "-v", target.toString()));
        assertTrue(TestFiles.sameBytes(source, target));
        assertEquals(Files.size(source), result.size());
        assertEquals(TestFiles.crc32cOfEveryByte(source), result.targetChecksum());
    }

    @Test
    void reflinkSkipsTheChecksumUnlessAskedToVerify() throws Exception {
        Path source = image(onXfs);
        CloneResult result = new ReflinkCloner().clone(
                CloneRequest.of(source, onXfs.resolve("clone.img")).withVerify(false), CloneListener.IGNORE);
        assertNull(result.checksumAlgorithm());
        assertNull(result.targetChecksum());
    }

    @Test
    void reflinkOnExt4FailsNotSupportedAndLeavesNoTarget() throws Exception {
        Path source = image(onExt4);
        List<String> before = TestFiles.names(onExt4);
        CloneException e = assertThrows(CloneException.class, () -> new ReflinkCloner()
                .clone(CloneRequest.of(source, onExt4.resolve("clone.img")), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.NOT_SUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("cannot clone") && e.getMessage().contains("use --cloner sparse or plain instead"),
                e.getMessage());
        assertEquals(before, TestFiles.names(onExt4));
    }

    @Test
    void reflinkAcrossFilesystemsFailsNotSupportedAndLeavesNoTarget() throws Exception {
        Path source = image(onXfs);
        CloneException e = assertThrows(CloneException.class, () -> new ReflinkCloner()
                .clone(CloneRequest.of(source, onExt4.resolve("clone.img")), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.NOT_SUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("different filesystems"), e.getMessage());
        assertEquals(List.of(), TestFiles.names(onExt4));
    }

    @Test
    void reflinkSuitabilityProbesWithoutLeavingAnythingBehind() throws Exception {
        Path onXfsSource = image(onXfs);
        Path onExt4Source = image(onExt4);
        Suitability yes = new ReflinkCloner().suitability(onXfsSource, onXfs);
        Suitability no = new ReflinkCloner().suitability(onExt4Source, onExt4);
        Suitability across = new ReflinkCloner().suitability(onXfsSource, onExt4);

        assertTrue(yes.suitable(), yes.reason());
        assertFalse(no.suitable());
        assertTrue(no.reason().contains("EXT4 filesystem at " + ext4.dir()) && no.reason().contains("cannot clone"), no.reason());
        assertFalse(across.suitable());
        assertTrue(across.reason().contains("one filesystem"), across.reason());
        assertEquals(List.of("disk.img"), TestFiles.names(onXfs));
        assertEquals(List.of("disk.img"), TestFiles.names(onExt4));
    }

    @Test
    void autoPicksReflinkOnXfs() throws Exception {
        Cloners.Choice choice = Cloners.discover().choose(Cloners.AUTO, image(onXfs), onXfs);
        assertEquals("reflink", choice.cloner().name());
        assertEquals("auto: reflink: source and target share the XFS filesystem at " + xfs.dir() + ", which clones",
                choice.reason());
    }

    @Test
    void autoPicksSparseOnExt4AndSaysWhyNotReflink() throws Exception {
        Cloners.Choice choice = Cloners.discover().choose(Cloners.AUTO, image(onExt4), onExt4);
        assertEquals("sparse", choice.cloner().name());
        assertTrue(choice.reason().startsWith("auto: sparse: copies only the data extents, holes stay holes (reflink: the EXT4 filesystem at "
                + ext4.dir() + " cannot clone files"), choice.reason());
    }

    @Test
    void sparseOnXfsSharesBlocksThroughCopyFileRange() throws Exception {
        Path target = sparseCopyOnXfs(image(onXfs));
        assertTrue(TestFiles.hasSharedExtents(target), "copy_file_range cloned on XFS");
    }

    @Test
    void sparseAcrossFilesystemsFallsBackToReadWriteAndKeepsHoles() throws Exception {
        Path target = sparseCopyOnXfs(image(onExt4));
        assertFalse(TestFiles.hasSharedExtents(target));
        long blocks = TestFiles.allocatedBlocks(target);
        assertTrue(blocks <= 5L * MiB / 512 + 64, "holes stay holes: " + blocks + " blocks");
    }

    @Test
    void plainOnXfsWritesEveryByteAndSharesNoBlocks() throws Exception {
        Path source = image(onXfs);
        Path target = onXfs.resolve("copy.img");
        CloneResult result = new PlainCloner().clone(CloneRequest.of(source, target), CloneListener.IGNORE);
        assertTrue(TestFiles.sameBytes(source, target));
        assertFalse(TestFiles.hasSharedExtents(target), "sendfile copies, where copy_file_range would clone on XFS");
        assertTrue(TestFiles.allocatedBlocks(target) >= 64L * MiB / 512, "holes included, every block allocated");
        assertEquals(64L * MiB, result.bytesCopied());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "sparse"})
    void fullTargetFilesystemIsNoSpaceAndOnlyThePartialTargetIsLeft(String name) throws Exception {
        Path source = TestFiles.randomFile(onXfs.resolve("big.img"), 100L * MiB);
        Path dir = TestFiles.newDirectory(tiny.dir());
        try {
            Path other = Files.writeString(dir.resolve("other.txt"), "not ours");
            Path target = dir.resolve("copy.img");
            CloneException e = assertThrows(CloneException.class, () -> CopyingClonerTest.cloner(name, 8L * MiB)
                    .clone(CloneRequest.of(source, target), CloneListener.IGNORE));
            assertEquals(CloneException.Kind.NO_SPACE, e.kind(), e.getMessage());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertTrue(Files.exists(target), "the partial target is left for the caller to remove");
            assertEquals("not ours", Files.readString(other));
        } finally {
            TestFiles.deleteTree(dir);
        }
    }
}
