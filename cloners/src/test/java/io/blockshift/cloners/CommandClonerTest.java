package io.blockshift.cloners;

import static io.blockshift.cloners.TestFiles.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandClonerTest {

    @TempDir(factory = BsTestTempDir.class)
    Path dir;

    private static CommandCloner configured(String json) {
        return new CommandCloner(() -> json);
    }

    /** Clones {@code source} to {@code target} with the program {@code json} and asserts the bytes are the same. */
    private static void copyAndCompare(String json, Path source, Path target) throws Exception {
        configured(json).clone(CloneRequest.of(source, target), CloneListener.IGNORE);
        assertTrue(TestFiles.sameBytes(source, target));
    }

    @Test
    void copiesWithTheConfiguredCpAndFilledInPlaceholders() throws Exception {
        Path source = TestFiles.sparseFile(dir.resolve("disk.img"), 8L * MiB, 0, MiB);
        Path target = dir.resolve("copy.img");
        CommandCloner cloner = configured("[\"cp\", \"--sparse=always\", \"{source}\", \"{target}\"]");
        assertTrue(cloner.suitability(source, dir).suitable());
        CloneResult result = cloner.clone(CloneRequest.of(source, target), CloneListener.IGNORE);
        assertTrue(TestFiles.sameBytes(source, target));
        assertEquals("command", result.cloner());
        assertEquals(TestFiles.crc32cOfEveryByte(source), result.targetChecksum());
    }

    @Test
    void appendsSourceAndTargetWhenNoArgumentNamesThem() throws Exception {
        copyAndCompare("[\"cp\"]", TestFiles.randomFile(dir.resolve("disk.img"), 100_000), dir.resolve("copy.img"));
    }

    @Test
    void passesPathsWithShellCharactersVerbatimBecauseNoShellRuns() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("a b;touch bs-test-pwned;$(touch bs-test-pwned2)'`x`.img"), 4096);
        Path target = dir.resolve("copy of ;rm -rf x.img");
        copyAndCompare("[\"cp\", \"{source}\", \"{target}\"]", source, target);
        assertEquals(List.of(source.getFileName().toString(), target.getFileName().toString()).stream().sorted().toList(),
                TestFiles.names(dir));
        assertFalse(Files.exists(Path.of("bs-test-pwned")) || Files.exists(Path.of("bs-test-pwned2")));
    }

    @Test
    void aShellLineAsTheProgramIsNotRunThroughAShell() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 4096);
        Suitability suitability = configured("[\"cp {source} {target}\"]").suitability(source, dir);
        assertFalse(suitability.suitable());
        assertTrue(suitability.reason().contains("program 'cp {source} {target}'"), suitability.reason());
    }

    @Test
    void failingProgramFailsWithTheTailOfItsStderrAndLeavesNoTarget() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 4096);
        Path target = dir.resolve("copy.img");
        // truncate creates the target, then fails on the second file
        CommandCloner cloner = configured("[\"truncate\", \"-s\", \"4096\", \"{target}\", \"" + dir.resolve("no/such/dir") + "\"]");
        CloneException e = assertThrows(CloneException.class, () -> cloner.clone(CloneRequest.of(source, target), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.IO, e.kind());
        assertTrue(e.getMessage().contains("exited with status 1") && e.getMessage().contains("No such file or directory"),
                e.getMessage());
        assertEquals(List.of("disk.img"), TestFiles.names(dir));
    }

    @Test
    void targetOfTheWrongSizeFailsVerificationAndIsRemoved() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 8192);
        Path target = dir.resolve("copy.img");
        CommandCloner cloner = configured("[\"truncate\", \"-s\", \"4096\", \"{target}\"]");
        CloneException e = assertThrows(CloneException.class, () -> cloner.clone(CloneRequest.of(source, target), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.VERIFICATION_FAILED, e.kind());
        assertFalse(Files.exists(target));
    }

    @Test
    void cancelStopsTheProgramWithinASecond() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 4096);
        CommandCloner cloner = configured("[\"env\", \"SOURCE={source}\", \"TARGET={target}\", \"sleep\", \"30\"]");
        long start = System.nanoTime();
        assertThrows(CancellationException.class, () -> cloner.clone(CloneRequest.of(source, dir.resolve("copy.img")),
                (offset, done, total) -> {
                    throw new CancellationException("cancelled");
                }));
        assertTrue(System.nanoTime() - start < 1_500_000_000L);
        assertTrue(ProcessHandle.current().descendants().noneMatch(p -> p.info().command().orElse("").endsWith("sleep")),
                "sleep was stopped");
    }

    @Test
    void unconfiguredIsUnsuitableAndSaysHowToConfigureIt() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 4096);
        Suitability suitability = configured(null).suitability(source, dir);
        assertFalse(suitability.suitable());
        assertTrue(suitability.reason().startsWith("not configured: set BLOCKSHIFT_CLONE_COMMAND"), suitability.reason());
        Suitability broken = configured("[\"cp\",").suitability(source, dir);
        assertFalse(broken.suitable());
        assertTrue(broken.reason().contains("not a JSON array of strings"), broken.reason());
    }

    @Test
    void readsTheCommandFromAFileNamedByTheSetting() throws Exception {
        Path config = Files.writeString(dir.resolve("clone-command.json"), "[\"cp\", \"--reflink=auto\", \"{source}\", \"{target}\"]\n");
        assertEquals(List.of("cp", "--reflink=auto", "{source}", "{target}"), configured(config.toString()).command());
    }

    @Test
    void refusesAnExistingTarget() throws Exception {
        Path source = TestFiles.randomFile(dir.resolve("disk.img"), 4096);
        Path target = Files.writeString(dir.resolve("copy.img"), "mine");
        CloneException e = assertThrows(CloneException.class,
                () -> configured("[\"cp\"]").clone(CloneRequest.of(source, target), CloneListener.IGNORE));
        assertEquals(CloneException.Kind.TARGET_EXISTS, e.kind());
        assertEquals("mine", Files.readString(target));
    }
}
