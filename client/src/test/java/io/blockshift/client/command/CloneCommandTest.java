package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.client.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code blockshift clone} end to end on real files. */
class CloneCommandTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private Path source;

    @BeforeEach
    void captureOutputAndMakeAnImage() throws IOException {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        // 16 MiB: data, a hole, data, and a hole at the end.
        source = dir.resolve("a.img");
        byte[] data = new byte[3 * MIB];
        new Random(42).nextBytes(data);
        try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
            file.write(data);
            file.seek(8L * MIB);
            file.write(data, 0, MIB);
            file.setLength(16L * MIB);
        }
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int clone(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "clone";
        System.arraycopy(args, 0, all, 1, args.length);
        return BlockshiftCli.commandLine().execute(all);
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "plain", "sparse"})
    void clonesAFileByteForByte(String cloner) throws IOException {
        Path target = dir.resolve("copy").resolve("b.img");
        Files.createDirectories(target.getParent());

        assertEquals(ExitCodes.OK, clone("--cloner", cloner, source.toString(), target.toString()), err.toString());

        assertEquals(-1, Files.mismatch(source, target));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("cloner:   "), printed);
        assertTrue(printed.contains("checksum: "), printed);
        assertTrue(printed.contains("copied:   "), printed);
        try (var files = Files.list(target.getParent())) {
            assertEquals(1, files.count(), "no partial copy is left beside the target");
        }
    }

    @Test
    void anExistingTargetIsRefusedAndLeftAlone() throws IOException {
        Path target = dir.resolve("b.img");
        Files.writeString(target, "precious");

        assertEquals(ExitCodes.REFUSED, clone(source.toString(), target.toString()));

        assertEquals("precious", Files.readString(target));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("exists"), err.toString());
    }

    @Test
    void aMissingSourceIsRefused() {
        Path target = dir.resolve("b.img");
        assertEquals(ExitCodes.REFUSED, clone(dir.resolve("nothing.img").toString(), target.toString()));
        assertFalse(Files.exists(target));
    }

    @Test
    void anUnknownClonerIsRefusedNamingTheKnownOnes() {
        Path target = dir.resolve("b.img");
        assertEquals(ExitCodes.REFUSED, clone("--cloner", "teleport", source.toString(), target.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("plain"), err.toString());
        assertFalse(Files.exists(target));
    }

    @Test
    void aMissingTargetDirectoryIsRefused() {
        Path target = dir.resolve("no-such-dir").resolve("b.img");
        assertEquals(ExitCodes.REFUSED, clone(source.toString(), target.toString()));
        assertFalse(Files.exists(target.getParent()));
    }

    @Test
    void aRelativeTargetIsTakenFromTheCurrentDirectory() throws IOException {
        Path target = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.img"));
        assertEquals(ExitCodes.OK, clone(source.toString(), target.toString()), err.toString());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(dir.resolve("rel.img")));
    }
}
