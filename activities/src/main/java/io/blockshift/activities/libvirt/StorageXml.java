package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtXml.child;
import static io.blockshift.activities.libvirt.LibvirtXml.parse;
import static io.blockshift.activities.libvirt.LibvirtXml.write;

import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The storage pool and volume XML blockshift reads from libvirt and hands it: the one place it is
 * parsed and written (by the JDK's StAX writer, so every name and path is escaped).
 */
public final class StorageXml {


    private StorageXml() {
    }

    /** A pool as its XML describes it: its type ({@code dir}, {@code fs}, ...), name and target directory. */
    public record PoolInfo(String type, String name, String targetPath) {
    }

    /**
     * Who owns a volume's file and its mode, as libvirt reports them; any may be null (unknown), and
     * libvirt then uses its defaults.
     */
    public record Permissions(String mode, String owner, String group) {
    }

    /**
     * A volume as its XML describes it.
     *
     * @param backingPath the path of its backing image, or null when it has none
     */
    public record VolumeInfo(String name, String path, String format, long capacity, long allocation, String backingPath,
            String backingFormat, Permissions permissions) {
    }

    static PoolInfo pool(String xml) {
        Element root = parse(xml).getDocumentElement();
        Element target = child(root, "target");
        return new PoolInfo(root.getAttribute("type"), text(child(root, "name")), target == null ? null : text(child(target, "path")));
    }

    static VolumeInfo volume(String xml) {
        Element root = parse(xml).getDocumentElement();
        Element target = child(root, "target");
        Element backing = child(root, "backingStore");
        Element perms = target == null ? null : child(target, "permissions");
        return new VolumeInfo(text(child(root, "name")), target == null ? null : text(child(target, "path")),
                formatOf(target), bytes(child(root, "capacity")), bytes(child(root, "allocation")),
                backing == null ? null : text(child(backing, "path")), formatOf(backing),
                perms == null ? new Permissions(null, null, null)
                        : new Permissions(text(child(perms, "mode")), text(child(perms, "owner")), text(child(perms, "group"))));
    }

    /**
     * A new volume {@code name} of {@code format} and {@code capacity} bytes, owned like
     * {@code permissions}. An {@code allocation} below the capacity asks libvirt for a sparse
     * file: its copy then skips the blocks of zeros it reads (it seeks over them instead of writing).
     */
    public static String newVolume(String name, String format, long capacity, long allocation, Permissions permissions) {
        return write(xml -> {
            xml.writeStartElement("volume");
            volumeHead(xml, name, capacity, allocation);
            target(xml, format, permissions);
            xml.writeEndElement();
        });
    }

    /** A new qcow2 volume {@code name} of {@code capacity} bytes over {@code backingPath} (of {@code backingFormat}). */
    public static String newOverlay(String name, long capacity, String backingPath, String backingFormat, Permissions permissions) {
        return write(xml -> {
            xml.writeStartElement("volume");
            volumeHead(xml, name, capacity, 0);
            xml.writeStartElement("target");
            xml.writeEmptyElement("format");
            xml.writeAttribute("type", "qcow2");
            // libvirt's default is 0.10, qemu-img's (and the local overlay's) 1.1: zero clusters, lazy refcounts.
            element(xml, "compat", "1.1");
            permissions(xml, permissions);
            xml.writeEndElement();
            xml.writeStartElement("backingStore");
            element(xml, "path", backingPath);
            xml.writeEmptyElement("format");
            xml.writeAttribute("type", backingFormat);
            xml.writeEndElement();
            xml.writeEndElement();
        });
    }

    private static void volumeHead(XMLStreamWriter xml, String name, long capacity, long allocation)
            throws XMLStreamException {
        element(xml, "name", name);
        xml.writeStartElement("capacity");
        xml.writeAttribute("unit", "bytes");
        xml.writeCharacters(Long.toString(capacity));
        xml.writeEndElement();
        xml.writeStartElement("allocation");
        xml.writeAttribute("unit", "bytes");
        xml.writeCharacters(Long.toString(allocation));
        xml.writeEndElement();
    }

    private static void target(XMLStreamWriter xml, String format, Permissions permissions) throws XMLStreamException {
        xml.writeStartElement("target");
        xml.writeEmptyElement("format");
        xml.writeAttribute("type", format);
        permissions(xml, permissions);
        xml.writeEndElement();
    }

    private static void permissions(XMLStreamWriter xml, Permissions permissions) throws XMLStreamException {
        if (permissions != null && (permissions.mode() != null || permissions.owner() != null || permissions.group() != null)) {
            xml.writeStartElement("permissions");
            if (permissions.mode() != null) {
                element(xml, "mode", permissions.mode());
            }
            if (permissions.owner() != null) {
                element(xml, "owner", permissions.owner());
            }
            if (permissions.group() != null) {
                element(xml, "group", permissions.group());
            }
            xml.writeEndElement();
        }
    }

    private static void element(XMLStreamWriter xml, String name, String text) throws XMLStreamException {
        xml.writeStartElement(name);
        xml.writeCharacters(text);
        xml.writeEndElement();
    }

    private static String formatOf(Element parent) {
        Element format = parent == null ? null : child(parent, "format");
        return format == null || format.getAttribute("type").isEmpty() ? null : format.getAttribute("type");
    }

    /** A size element in bytes, whatever unit libvirt wrote it in (it writes bytes). */
    private static long bytes(Element size) {
        if (size == null) {
            return 0;
        }
        long value = Long.parseLong(size.getTextContent().strip());
        String unit = size.getAttribute("unit");
        return switch (unit) {
            case "", "b", "bytes" -> value;
            case "KiB", "K", "k" -> value << 10;
            case "MiB", "M" -> value << 20;
            case "GiB", "G" -> value << 30;
            case "TiB", "T" -> value << 40;
            default -> throw new IllegalStateException("libvirt wrote a size in unit '" + unit + "'");
        };
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().strip();
    }

    /**
     * Every image a domain XML's disks name: each disk's source and every source of its
     * {@code <backingStore>} chain, as libvirt lists them (for libvirt's users of a volume).
     */
    public static java.util.List<String> diskImages(String domainXml) {
        java.util.List<String> images = new java.util.ArrayList<>();
        org.w3c.dom.NodeList disks = parse(domainXml).getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            if (!"devices".equals(disk.getParentNode().getNodeName())) {
                continue; // a snapshot's or checkpoint's disk element, not a device
            }
            for (Element layer = disk; layer != null; layer = child(layer, "backingStore")) {
                Element source = child(layer, "source");
                if (source != null) {
                    for (String attribute : java.util.List.of("file", "dev", "dir", "name")) {
                        if (source.hasAttribute(attribute)) {
                            images.add(source.getAttribute(attribute));
                            break;
                        }
                    }
                }
            }
        }
        return images;
    }

    /**
     * Whether a domain snapshot's XML takes an internal snapshot of the disk with target
     * {@code target} or source {@code source}: one stored inside the qcow2 image itself.
     */
    public static boolean snapshotIsInternalFor(String snapshotXml, String target, String source) {
        Element root = parse(snapshotXml).getDocumentElement();
        Element disks = child(root, "disks");
        if (disks == null) {
            return false;
        }
        for (Node n = disks.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element disk && "disk".equals(disk.getNodeName())
                    && (disk.getAttribute("name").equals(target) || disk.getAttribute("name").equals(source))
                    && "internal".equals(disk.getAttribute("snapshot"))) {
                return true;
            }
        }
        return false;
    }
}
