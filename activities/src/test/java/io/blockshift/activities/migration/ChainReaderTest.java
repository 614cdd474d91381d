package io.blockshift.activities.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.files.Command;
import io.blockshift.activities.files.ImageInfo;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads real chains of images made with qemu-img (no libvirt, no VM). */
class ChainReaderTest {

    private static final String WHAT = "disk vda of vm1";

    @TempDir
    Path dir;

    @Test
    void readsATwoLevelChainWithAbsoluteNamesTopFirst() throws Exception {
        qemuImg("create", "-q", "-f", "raw", dir.resolve("base.img").toString(), "1M");
        overlay("mid.qcow2", "base.img", "raw");
        overlay("top.qcow2", "mid.qcow2", "qcow2");

        List<ImageInfo> chain = ChainReader.read(dir.resolve("top.qcow2"), WHAT);

        assertEquals(List.of(dir.resolve("top.qcow2").toString(), dir.resolve("mid.qcow2").toString(),
                dir.resolve("base.img").toString()), chain.stream().map(ImageInfo::filename).toList());
        assertEquals(List.of("qcow2", "qcow2", "raw"), chain.stream().map(ImageInfo::format).toList());
    }

    @Test
    void refusesAMissingLayerNamingIt() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", dir.resolve("gone.qcow2").toString(), "-F", "qcow2",
                dir.resolve("top.qcow2").toString(), "1M");
        String why = refusal(dir.resolve("top.qcow2"));
        assertTrue(why.startsWith(WHAT + ": backing image " + dir.resolve("gone.qcow2") + " (the backing file of "
                + dir.resolve("top.qcow2") + ") is missing: restore it"), why);
    }

    @Test
    void refusesAChainThatLoops() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", dir.resolve("one.qcow2").toString(), "1M");
        overlay("two.qcow2", "one.qcow2", "qcow2");
        qemuImg("rebase", "-u", "-b", dir.resolve("two.qcow2").toString(), "-F", "qcow2", dir.resolve("one.qcow2").toString());
        String why = refusal(dir.resolve("two.qcow2"));
        assertTrue(why.startsWith(WHAT + ": its backing chain loops"), why);
    }

    @Test
    void refusesALayerThatIsNotAFile() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "/dev/null", "-F", "raw", dir.resolve("top.qcow2").toString(), "1M");
        String why = refusal(dir.resolve("top.qcow2"));
        assertTrue(why.startsWith(WHAT + ": backing image /dev/null (the backing file of " + dir.resolve("top.qcow2")
                + ") is not a regular file"), why);
    }

    private String refusal(Path image) {
        ApplicationFailure refused = assertThrows(ApplicationFailure.class, () -> ChainReader.read(image, WHAT));
        assertEquals("Refused", refused.getType());
        assertTrue(refused.isNonRetryable());
        return refused.getOriginalMessage();
    }

    private void overlay(String name, String backing, String backingFormat) throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-b", dir.resolve(backing).toString(), "-F", backingFormat,
                dir.resolve(name).toString());
    }

    private static void qemuImg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Command.run(command, Duration.ofSeconds(30));
    }
}
