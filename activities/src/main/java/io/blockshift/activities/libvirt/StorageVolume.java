package io.blockshift.activities.libvirt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StorageVol;
import org.libvirt.Stream;

/**
 * One volume of a storage pool: what libvirt says of it, and the verbs blockshift needs on it.
 * Every byte read or written goes through libvirt (a stream over the connection), never a path here.
 */
public final class StorageVolume {

    /** The most a {@link #readSmall} reads: volumes read this way hold a line of text. */
    private static final int SMALL = 4096;
    /** What {@link #download} asks of the stream at a time: about one message of libvirt's remote protocol. */
    private static final int CHUNK = 256 << 10;

    /** Takes the runs of bytes a {@link #download} reads, in the volume's order. */
    @FunctionalInterface
    public interface Sink {
        /** {@code bytes[0, length)} are the volume's next bytes; the array is reused after the call. */
        void accept(byte[] bytes, int length);
    }

    private final Connect connection;
    private final StorageVol volume;

    StorageVolume(Connect connection, StorageVol volume) {
        this.connection = connection;
        this.volume = volume;
    }

    StorageVol raw() {
        return volume;
    }

    public String name() throws LibvirtException {
        return volume.getName();
    }

    /** The volume's path on its host: a name to hand libvirt, never opened here. */
    public String path() throws LibvirtException {
        return volume.getPath();
    }

    /** The volume's XML, parsed. */
    public StorageXml.VolumeInfo info() throws LibvirtException {
        return StorageXml.volume(volume.getXMLDesc(0));
    }

    /** Bytes the volume allocates on its host now (libvirt stats the file afresh each call). */
    public long allocation() throws LibvirtException {
        return volume.getInfo().allocation;
    }

    /** Deletes the volume (its file, for a file pool). */
    public void delete() throws LibvirtException {
        volume.delete(0);
    }

    /** Writes {@code text} at the start of the volume (as large as the text) through a libvirt stream. */
    public void writeSmall(String text) throws LibvirtException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Stream stream = connection.streamNew(0);
        try {
            volume.upload(stream, 0, bytes.length, 0);
            for (int sent = 0; sent < bytes.length; ) {
                sent += stream.send(Arrays.copyOfRange(bytes, sent, bytes.length));
            }
            stream.finish();
        } catch (LibvirtException e) {
            abortKeeping(stream, e);
            throw e;
        } finally {
            stream.free();
        }
    }

    /**
     * Reads the whole volume through a libvirt stream (virStorageVolDownload with no flags, so a
     * hole arrives as the zeros the guest would read) and hands every byte to {@code sink}; a sink
     * that throws ends the transfer. Returns how many bytes arrived.
     */
    public long download(Sink sink) throws LibvirtException {
        long received = 0;
        Stream stream = connection.streamNew(0);
        try {
            volume.download(stream, 0, 0, 0); // length 0: to the volume's end
            byte[] buffer = new byte[CHUNK];
            for (int n; (n = stream.receive(buffer)) > 0; ) {
                sink.accept(buffer, n);
                received += n;
            }
            stream.finish();
        } catch (LibvirtException | RuntimeException e) {
            abortKeeping(stream, e);
            throw e;
        } finally {
            stream.free();
        }
        return received;
    }

    /** Aborts a failed transfer; an abort that fails too is added to {@code cause}, not thrown in its place. */
    private static void abortKeeping(Stream stream, Exception cause) {
        try {
            stream.abort();
        } catch (LibvirtException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** The first bytes of the volume, at most 4 KiB, as text, read through a libvirt stream. */
    public String readSmall() throws LibvirtException {
        long size = Math.min(SMALL, volume.getInfo().capacity);
        byte[] all = new byte[(int) size];
        int length = 0;
        Stream stream = connection.streamNew(0);
        try {
            volume.download(stream, 0, size, 0);
            byte[] buffer = new byte[SMALL];
            // Read to the end of the stream (receive says 0) before finishing it, as libvirt's stream API asks:
            // CI saw libvirt 9.0's remote client crash (SIGSEGV) in a finish sent before the end-of-stream was read.
            for (int n; (n = stream.receive(buffer)) > 0; ) {
                int take = (int) Math.min(n, size - length);
                System.arraycopy(buffer, 0, all, length, take);
                length += take;
            }
            stream.finish();
        } catch (LibvirtException e) {
            abortKeeping(stream, e);
            throw e;
        } finally {
            stream.free();
        }
        return new String(all, 0, length, StandardCharsets.UTF_8);
    }
}
