package io.blockshift.activities.libvirt;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The XML blockshift hands libvirt, written by the JDK's StAX writer so every name and path is
 * escaped. (What libvirt hands back is read by {@link Disk#parseAll}.)
 */
final class DomainXml {

    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

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

    private interface Body {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter xml = FACTORY.createXMLStreamWriter(out);
            body.write(xml);
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write XML for libvirt: " + e.getMessage(), e);
        }
        return out.toString();
    }
}
