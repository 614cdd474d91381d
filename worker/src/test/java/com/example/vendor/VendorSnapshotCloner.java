package com.example.vendor;

import io.blockshift.cloners.CloneListener;
import io.blockshift.cloners.CloneRequest;
import io.blockshift.cloners.CloneResult;
import io.blockshift.cloners.Cloner;
import io.blockshift.cloners.Suitability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A storage vendor's cloner as a third party would write it: outside blockshift's packages, against
 * the public SPI alone, registered in this source set's {@code META-INF/services}. It copies with
 * {@link Files#copy} where a real one would ask its array for a snapshot.
 */
public final class VendorSnapshotCloner implements Cloner {

    public static final String NAME = "vendor-test";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a vendor's cloner that only blockshift's worker tests register; copies with Files.copy";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        return Files.isRegularFile(source) && Files.isDirectory(targetDirectory)
                ? Suitability.yes("the vendor's array snapshots it")
                : Suitability.no("needs an existing source file and target directory");
    }

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
        if (request.resumeOffset() > 0) {
            Files.deleteIfExists(request.target()); // our own partial copy: start over
        }
        Files.copy(request.source(), request.target());
        try (FileChannel target = FileChannel.open(request.target(), StandardOpenOption.WRITE)) {
            target.force(true);
        }
        long size = Files.size(request.target());
        listener.durable(size, size, size);
        return new CloneResult(NAME, size, size, "CRC32C", crc32c(request.source()), crc32c(request.target()));
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return String.format("%08x", crc.getValue());
    }
}
