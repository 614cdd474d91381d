package io.blockshift.activities.libvirt;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The XML of a persistent {@code <domain type='qemu'>} with no guest OS and file disks on virtio:
 * QEMU's block layer runs block jobs while the firmware idles, which is all the demo's and the
 * tests' throwaway VMs need. Disks get libvirt's default aliases in the order added
 * ({@code virtio-disk0} for the first), which QEMU's monitor names them by.
 *
 * <p>Built as a DOM document, so names, descriptions and paths are escaped as XML needs.
 */
public final class GuestlessDomainXml {

    /** A {@code <disk type='file'>} on virtio: target dev {@code vda}, its image, and the driver type. */
    public record FileDisk(String target, Path image, String format) {
    }

    private final String name;
    private String description;
    private final List<FileDisk> disks = new ArrayList<>();
    private boolean uncached;

    private GuestlessDomainXml(String name) {
        this.name = name;
    }

    public static GuestlessDomainXml named(String name) {
        return new GuestlessDomainXml(name);
    }

    /** What {@code virsh desc} shows: who made the domain and who removes it. */
    public GuestlessDomainXml description(String description) {
        this.description = description;
        return this;
    }

    /** Every disk with {@code cache='none'}: QEMU opens the images with O_DIRECT, so writes reach the device. */
    public GuestlessDomainXml uncached() {
        this.uncached = true;
        return this;
    }

    public GuestlessDomainXml disk(String target, Path image, String format) {
        disks.add(new FileDisk(target, image, format));
        return this;
    }

    public String toXml() {
        Document doc = newDocument();
        Element domain = append(doc, doc, "domain");
        domain.setAttribute("type", "qemu");
        append(doc, domain, "name").setTextContent(name);
        if (description != null) {
            append(doc, domain, "description").setTextContent(description);
        }
        Element memory = append(doc, domain, "memory");
        memory.setAttribute("unit", "MiB");
        memory.setTextContent("64");
        append(doc, domain, "vcpu").setTextContent("1");
        Element type = append(doc, append(doc, domain, "os"), "type");
        type.setAttribute("arch", "x86_64");
        type.setAttribute("machine", "pc");
        type.setTextContent("hvm");
        append(doc, append(doc, domain, "features"), "acpi");
        append(doc, domain, "on_crash").setTextContent("destroy");
        Element devices = append(doc, domain, "devices");
        for (FileDisk disk : disks) {
            Element element = append(doc, devices, "disk");
            element.setAttribute("type", "file");
            element.setAttribute("device", "disk");
            Element driver = append(doc, element, "driver");
            driver.setAttribute("name", "qemu");
            driver.setAttribute("type", disk.format());
            if (uncached) {
                driver.setAttribute("cache", "none");
            }
            append(doc, element, "source").setAttribute("file", disk.image().toString());
            Element target = append(doc, element, "target");
            target.setAttribute("dev", disk.target());
            target.setAttribute("bus", "virtio");
        }
        append(doc, devices, "memballoon").setAttribute("model", "none");
        return serialize(doc);
    }

    private static Element append(Document doc, Node parent, String tag) {
        Element element = doc.createElement(tag);
        parent.appendChild(element);
        return element;
    }

    private static Document newDocument() {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured", e);
        }
    }

    private static String serialize(Document doc) {
        try {
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            transformer.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("the JDK's XML serializer failed", e);
        }
    }
}
