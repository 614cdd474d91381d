package io.blockshift.activities.migration;

import io.blockshift.activities.files.ImageInfo;
import io.blockshift.activities.files.QemuImg;
import io.blockshift.activities.files.StandaloneImage;
import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.HostDomains;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * Which defined domains on a host, running or not, have a file anywhere in the backing chain of one
 * of their disks: read from each image's headers ({@code qemu-img info --backing-chain -U}), since
 * libvirt's XML of a domain that is not running names no backing chain.
 */
final class ChainUsers {

    private final Map<String, Set<String>> usersByFile = new HashMap<>();
    /** Disk images whose chain could not be read: they might use anything. */
    private final List<String> unreadable = new ArrayList<>();

    private ChainUsers() {
    }

    /** Scans every domain on {@code connection} once. */
    static ChainUsers scan(Connect connection) throws LibvirtException {
        ChainUsers users = new ChainUsers();
        Map<String, List<String>> chains = new HashMap<>();
        for (Map.Entry<String, List<Disk>> domain : new HostDomains(connection).disksByDomain().entrySet()) {
            String name = domain.getKey();
            for (Disk disk : domain.getValue()) {
                if (disk.source() == null) {
                    continue;
                }
                users.add(disk.source(), name);
                if (disk.backingFile() != null) {
                    users.add(disk.backingFile(), name);
                }
                List<String> chain = chains.computeIfAbsent(disk.source(), source -> chainOf(source, disk.format()));
                if (chain == null) {
                    users.unreadable.add(disk.source() + " (" + name + ")");
                    continue;
                }
                for (String file : chain) {
                    users.add(file, name);
                }
            }
        }
        return users;
    }

    /**
     * Why {@code path} must stay although domain {@code moved} no longer uses it: other domains (running
     * or defined) whose disks sit on it, as the template of linked clones, or disks whose chains could
     * not be read; null when nothing else can use it.
     */
    static String whyKeep(Connect connection, String path, String moved) throws LibvirtException {
        ChainUsers users = scan(connection);
        List<String> others = users.of(path).stream().filter(name -> !name.equals(moved)).toList();
        if (!others.isEmpty()) {
            return "the disks of " + String.join(", ", others) + " sit on it";
        }
        return users.unreadable.isEmpty() ? null
                : "the chains of " + String.join(", ", users.unreadable) + " could not be read, so might use it";
    }

    /** The disks whose chains could not be read, so might hold anything; empty when the scan is complete. */
    List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** The domains whose disks' chains hold {@code path}, by name. */
    List<String> of(String path) {
        Set<String> users = new LinkedHashSet<>(usersByFile.getOrDefault(path, Set.of()));
        try {
            Path real = Path.of(path).toRealPath();
            users.addAll(usersByFile.getOrDefault(real.toString(), Set.of()));
        } catch (IOException gone) {
            // a file that is gone is used by nothing new
        }
        return List.copyOf(users);
    }

    private void add(String file, String domain) {
        usersByFile.computeIfAbsent(file, f -> new LinkedHashSet<>()).add(domain);
        try {
            Path real = Path.of(file).toRealPath();
            usersByFile.computeIfAbsent(real.toString(), f -> new LinkedHashSet<>()).add(domain);
        } catch (IOException | RuntimeException gone) {
            // named but not there: only its name counts
        }
    }

    /**
     * Every file in {@code source}'s chain (a qcow2 on a block device can sit on a file too); nothing
     * for a source that is gone; null when it cannot be read.
     */
    private static List<String> chainOf(String source, String format) {
        Path image = Path.of(source);
        if (!Files.exists(image)) {
            return List.of();
        }
        if (StandaloneImage.isStandalone(image, format)) {
            return List.of(image.toAbsolutePath().normalize().toString());
        }
        try {
            return QemuImg.backingChain(Path.of(source)).stream().map(ImageInfo::filename)
                    .map(f -> Path.of(f).toAbsolutePath().normalize().toString()).toList();
        } catch (IOException unreadableChain) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
