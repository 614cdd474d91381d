package io.blockshift.activities.files;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ImageLock} against QEMU's own tools: they see the locks QEMU's image locking speaks. */
class ImageLockTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void whileHeldQemuCannotOpenTheImageForWritingButCanReadItAndOnceLetGoItCan() throws Exception {
        Path image = Files.write(dir.resolve("a.img"), new byte[1 << 20]);
        List<String> write = List.of("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 4k", image.toString());

        try (ImageLock held = ImageLock.hold(image)) {
            IOException refused = assertThrows(IOException.class, () -> Command.run(write, TIMEOUT));
            assertTrue(refused.getMessage().contains("Failed to get \"write\" lock"), refused.getMessage());
            Command.run(List.of("qemu-io", "-r", "-f", "raw", "-c", "read 0 4k", image.toString()), TIMEOUT);
            try (ImageLock second = ImageLock.hold(image)) {
                // Two readers that both refuse writers: a retry on another worker of the host can hold A too.
            }
        }

        Command.run(write, TIMEOUT);
        Command.run(List.of("qemu-io", "-r", "-f", "raw", "-c", "read -P 0x5a 0 4k", image.toString()), TIMEOUT);
    }
}
