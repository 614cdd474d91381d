package io.blockshift.activities.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether an image stands alone, with no backing file, read from its first bytes: a host-wide scan
 * asks this of every disk of every domain, and most are raw or plain qcow2, for which starting a
 * {@code qemu-img} each would cost more than the migration's own steps.
 */
public final class StandaloneImage {

    /** "QFI\xfb": the first four bytes of every qcow2 image. */
    private static final int QCOW2_MAGIC = 0x514649fb;
    /** The header's backing_file_offset: bytes 8-15, big-endian; 0 when there is no backing file. */
    private static final int BACKING_OFFSET_AT = 8;
    private static final int HEADER_BYTES = 16;

    private StandaloneImage() {
    }

    /**
     * True when {@code image}, opened as {@code format}, surely has no backing file: a raw image
     * never has one, a qcow2 whose header names none. False when that is not certain (another
     * format, a header that cannot be read): ask {@code qemu-img} then.
     */
    public static boolean isStandalone(Path image, String format) {
        if ("raw".equals(format)) {
            return true;
        }
        if (!"qcow2".equals(format)) {
            return false;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES); // big-endian, as qcow2 is
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            while (header.hasRemaining() && channel.read(header) >= 0) {
                // a block device or a short read may hand the header over in parts
            }
        } catch (IOException | SecurityException unreadable) {
            return false;
        }
        return !header.hasRemaining() && header.getInt(0) == QCOW2_MAGIC && header.getLong(BACKING_OFFSET_AT) == 0;
    }
}
