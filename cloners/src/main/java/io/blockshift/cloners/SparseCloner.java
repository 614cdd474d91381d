package io.blockshift.cloners;

/**
 * Copies only the source's data and leaves its holes as holes; the target gets the source's exact
 * size. The fast choice for raw disk images on filesystems that cannot reflink (ext4, say).
 *
 * <p>How: {@code lseek(SEEK_DATA / SEEK_HOLE)} finds the data extents; each is read in 1 MiB chunks
 * aligned to 1 MiB on a second thread (the read feeds the source checksum), and each chunk is
 * written with {@code copy_file_range} (an in-kernel copy; on NFS 4.2 a server-side copy; on XFS or
 * btrfs the blocks are shared), falling back to {@code pwrite} from a buffer for good at the first
 * EXDEV / EINVAL / ENOSYS / EOPNOTSUPP (on ext4 too: see bench/clone/RESULTS.md for why).
 *
 * <p>Zeros: a chunk inside a data extent that reads as all zeros is not written, so it becomes a
 * hole in the target. Finding it costs one compare of bytes already read (on the scan's thread), and
 * it gives back the space of zero-filled or preallocated regions (a raw image written by an
 * installer, say). Zero runs shorter than a chunk, or not aligned to one, are copied.
 */
public final class SparseCloner extends CopyingCloner {

    public SparseCloner() {
        this(DURABLE_EVERY);
    }

    /** For tests: fdatasync every {@code durableEvery} bytes. */
    SparseCloner(long durableEvery) {
        super("sparse", "copies only the data, holes stay holes (lseek SEEK_DATA/SEEK_HOLE, copy_file_range); any Linux filesystem",
                "copies only the data extents, holes stay holes", true, durableEvery);
    }
}
