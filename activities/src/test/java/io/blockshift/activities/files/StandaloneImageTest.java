package io.blockshift.activities.files;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StandaloneImage} against images qemu-img made, and what it must not be sure of. */
class StandaloneImageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aRawImageAndAQcow2WithNoBackingFileStandAloneAndQemuImgAgrees() throws Exception {
        Path raw = Files.write(dir.resolve("a.raw"), new byte[1 << 16]);
        Path qcow2 = dir.resolve("b.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "64M"), TIMEOUT);

        assertTrue(StandaloneImage.isStandalone(raw, "raw"));
        assertTrue(StandaloneImage.isStandalone(qcow2, "qcow2"));
        assertFalse(QemuImg.backingChain(qcow2).get(0).hasBacking());
    }

    @Test
    void aQcow2OverABackingFileDoesNotStandAlone() throws Exception {
        Path base = Files.write(dir.resolve("base.raw"), new byte[1 << 16]);
        Path overlay = dir.resolve("top.qcow2");
        QemuImg.createOverlay(overlay, base, "raw");

        assertFalse(StandaloneImage.isStandalone(overlay, "qcow2"));
        assertTrue(QemuImg.backingChain(overlay).get(0).hasBacking());
    }

    @Test
    void anythingItCannotReadOrDoesNotKnowIsLeftToQemuImg() throws Exception {
        Path notQcow2 = Files.write(dir.resolve("garbage"), new byte[64]);
        Path tooShort = Files.write(dir.resolve("short"), new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        Path vmdk = Files.write(dir.resolve("c.vmdk"), new byte[1 << 16]);

        assertFalse(StandaloneImage.isStandalone(notQcow2, "qcow2"));
        assertFalse(StandaloneImage.isStandalone(tooShort, "qcow2"));
        assertFalse(StandaloneImage.isStandalone(dir.resolve("missing"), "qcow2"));
        assertFalse(StandaloneImage.isStandalone(vmdk, "vmdk"));
        assertFalse(StandaloneImage.isStandalone(vmdk, null));
    }
}
