package io.blockshift.cloners;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** Copies every byte, holes included: works on any filesystem, and is the slowest. */
public final class PlainCloner implements Cloner {

    /** How much to copy between fdatasyncs; a retry after a crash redoes at most this much. */
    static final long DURABLE_EVERY = 64L << 20;
    private static final int BUFFER = 1 << 20;

    @Override
    public String name() {
        return "plain";
    }

    @Override
    public String description() {
        return "copies every byte, holes included; works on any filesystem";
    }

    @Override
    public Suitability suitability(Path source, Path targetDirectory) {
        return Suitability.yes("plain copies on any filesystem");
    }

    @Override
    public CloneResult clone(CloneRequest request, CloneListener listener) throws IOException {
        Path source = request.source();
        Path target = request.target();
        Throttle throttle = new Throttle(request.bandwidthBytesPerSecond());
        try (FileChannel in = openSource(source);
             FileChannel out = openTarget(target, request.resumeOffset())) {
            long size = in.size();
            long offset = Math.min(request.resumeOffset(), size);
            out.truncate(offset);
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
            long copied = 0;
            long sinceSync = 0;
            while (offset < size) {
                buffer.clear();
                int n = in.read(buffer, offset);
                if (n < 0) {
                    throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE, source + " shrank while copying");
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    offset += writeAt(out, buffer, offset, target);
                }
                copied += n;
                sinceSync += n;
                throttle.pass(n);
                if (sinceSync >= DURABLE_EVERY || offset == size) {
                    out.force(false);
                    sinceSync = 0;
                    listener.durable(offset, copied, size - request.resumeOffset());
                }
            }
            if (size == 0) {
                out.force(false);
            }
            String sourceSum = request.verify() ? crc32c(in) : null;
            String targetSum = request.verify() ? crc32c(out) : null;
            if (request.verify() && !sourceSum.equals(targetSum)) {
                throw new CloneException(CloneException.Kind.VERIFICATION_FAILED,
                        target + " does not match " + source + " (crc32c " + targetSum + " != " + sourceSum + ")");
            }
            return new CloneResult(name(), size, copied, request.verify() ? "crc32c" : null, sourceSum, targetSum);
        }
    }

    static FileChannel openSource(Path source) throws CloneException {
        try {
            return FileChannel.open(source, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE, "source " + source + " does not exist", e);
        } catch (IOException e) {
            throw new CloneException(CloneException.Kind.SOURCE_UNAVAILABLE, "cannot read source " + source + ": " + e.getMessage(), e);
        }
    }

    /** A new target, or the partial one an earlier attempt left when resuming. Never someone else's file. */
    static FileChannel openTarget(Path target, long resumeOffset) throws IOException {
        try {
            if (resumeOffset > 0 && Files.exists(target)) {
                return FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.READ);
            }
            return FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        } catch (FileAlreadyExistsException e) {
            throw new CloneException(CloneException.Kind.TARGET_EXISTS, "target " + target + " already exists; blockshift never overwrites a file", e);
        }
    }

    static int writeAt(FileChannel out, ByteBuffer buffer, long offset, Path target) throws IOException {
        try {
            return out.write(buffer, offset);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                throw new CloneException(CloneException.Kind.NO_SPACE, "no space left on the filesystem of " + target
                        + " at offset " + offset + "; free space there or choose another target", e);
            }
            throw e;
        }
    }

    static String crc32c(FileChannel channel) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        long position = 0;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n < 0) {
                break;
            }
            buffer.flip();
            crc.update(buffer);
            position += n;
        }
        return String.format("%08x", crc.getValue());
    }
}
