package io.blockshift.activities.libvirt;

import static io.blockshift.activities.libvirt.LibvirtXml.child;
import static io.blockshift.activities.libvirt.LibvirtXml.parse;
import static io.blockshift.activities.libvirt.LibvirtXml.write;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The XML blockshift hands libvirt, written by the JDK's StAX writer so every name and path is
 * escaped. (What libvirt hands back is read by {@link Disk#parseAll}.)
 */
final class DomainXml {


    private DomainXml() {
    }

    /**
     * A {@code <domainsnapshot>} that snapshots the disk {@code target} externally onto a new qcow2
     * {@code top} and every other disk of {@code disks} not at all ({@code snapshot='no'}): a
     * disk-only snapshot otherwise snapshots them all.
     */
    static String snapshotOfOneDisk(List<Disk> disks, String target, Path top) {
        return write(xml -> {
            xml.writeStartElement("domainsnapshot");
            xml.writeStartElement("disks");
            for (Disk disk : disks) {
                if (disk.target().equals(target)) {
                    xml.writeStartElement("disk");
                    xml.writeAttribute("name", target);
                    xml.writeAttribute("snapshot", "external");
                    xml.writeEmptyElement("driver");
                    xml.writeAttribute("type", "qcow2");
                    xml.writeEmptyElement("source");
                    xml.writeAttribute("file", top.toString());
                    xml.writeEndElement();
                } else {
                    xml.writeEmptyElement("disk");
                    xml.writeAttribute("name", disk.target());
                    xml.writeAttribute("snapshot", "no");
                }
            }
            xml.writeEndElement();
            xml.writeEndElement();
        });
    }

    /** A file {@code <disk>} of {@code format} on {@code source}: a block copy's destination. */
    static String fileDisk(Path source, String format) {
        return write(xml -> {
            xml.writeStartElement("disk");
            xml.writeAttribute("type", "file");
            xml.writeEmptyElement("driver");
            xml.writeAttribute("type", format);
            xml.writeEmptyElement("source");
            xml.writeAttribute("file", source.toString());
            xml.writeEndElement();
        });
    }

    /**
     * {@code domainXml} (a domain's persistent XML) with the file {@code <disk>} {@code target} on
     * {@code source}, everything else as it was. The disk's {@code <backingStore>}, if the XML names
     * one, goes: it described the old image's chain, and libvirt reads the new one's from the image.
     */
    static String withDiskSource(String domainXml, String target, Path source) {
        Document doc = parse(domainXml);
        NodeList disks = doc.getElementsByTagName("disk");
        boolean found = false;
        for (int i = 0; i < disks.getLength(); i++) {
            Element disk = (Element) disks.item(i);
            Element dev = child(disk, "target");
            if (!"devices".equals(disk.getParentNode().getNodeName()) || dev == null
                    || !target.equals(dev.getAttribute("dev"))) {
                continue;
            }
            Element sourceElement = child(disk, "source");
            if (!"file".equals(disk.getAttribute("type")) || sourceElement == null) {
                throw new IllegalStateException("disk " + target + " is not a file disk with a source");
            }
            sourceElement.setAttribute("file", source.toString());
            for (Element backing; (backing = child(disk, "backingStore")) != null; ) {
                disk.removeChild(backing);
            }
            found = true;
        }
        if (!found) {
            throw new IllegalStateException("the domain XML has no disk " + target);
        }
        try {
            StringWriter out = new StringWriter();
            javax.xml.transform.Transformer transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            transformer.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write the domain XML: " + e.getMessage(), e);
        }
    }
}
