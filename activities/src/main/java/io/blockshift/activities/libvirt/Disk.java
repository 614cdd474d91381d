package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtXml.child;
import static io.blockshift.activities.libvirt.LibvirtXml.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * One {@code <disk>} of a domain's XML, as far as blockshift cares.
 *
 * @param target the target dev ({@code vda})
 * @param type {@code file}, {@code block}, {@code network}, ...
 * @param device {@code disk}, {@code cdrom}, {@code floppy}, {@code lun}
 * @param source the source file, or null when it has none
 * @param format the driver type ({@code raw}, {@code qcow2})
 * @param backingFile the first backing file, or null when the chain ends here
 * @param mirrorJob the {@code job} of a {@code <mirror>} (copy, active-commit), or null without one
 * @param mirrorReady whether that mirror says {@code ready='yes'}
 */
public record Disk(
        String target,
        String type,
        String device,
        String source,
        String format,
        String backingFile,
        String mirrorJob,
        boolean mirrorReady) {

    public boolean isFile() {
        return "file".equals(type);
    }

    public boolean hasBackingFile() {
        return backingFile != null;
    }

    public boolean hasMirror() {
        return mirrorJob != null;
    }

    /** The disks of a domain XML document, in order. */
    public static List<Disk> parseAll(String domainXml) {
        Document doc = parse(domainXml);
        NodeList nodes = doc.getElementsByTagName("disk");
        List<Disk> disks = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element disk = (Element) nodes.item(i);
            if (!"devices".equals(disk.getParentNode().getNodeName())) {
                continue;
            }
            Element target = child(disk, "target");
            Element driver = child(disk, "driver");
            Element mirror = child(disk, "mirror");
            Element backing = child(disk, "backingStore");
            disks.add(new Disk(
                    target == null ? null : target.getAttribute("dev"),
                    disk.getAttribute("type"),
                    disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device"),
                    sourcePath(child(disk, "source")),
                    driver == null ? null : driver.getAttribute("type"),
                    backing == null ? null : sourcePath(child(backing, "source")),
                    mirror == null ? null : mirror.getAttribute("job").isEmpty() ? "copy" : mirror.getAttribute("job"),
                    mirror != null && "yes".equals(mirror.getAttribute("ready"))));
        }
        return disks;
    }

    /** The disk whose target dev or source path is {@code targetOrPath}. */
    public static Optional<Disk> find(List<Disk> disks, String targetOrPath) {
        return disks.stream()
                .filter(d -> targetOrPath.equals(d.target()) || targetOrPath.equals(d.source()))
                .findFirst();
    }

    private static String sourcePath(Element source) {
        if (source == null) {
            return null;
        }
        for (String attribute : List.of("file", "dev", "name", "dir")) {
            if (source.hasAttribute(attribute)) {
                return source.getAttribute(attribute);
            }
        }
        return null;
    }
}
