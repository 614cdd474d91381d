package io.blockshift.activities.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reading what libvirt hands back and writing what it is given: the one parser setup (no DTDs, so
 * no entity tricks in a name) and the one writer, which escapes every name and path it is handed.
 */
final class LibvirtXml {

    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

    private LibvirtXml() {
    }

    /** What an XML document is written by. */
    interface Body {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalStateException("libvirt returned XML that does not parse: " + e.getMessage(), e);
        }
    }

    /** The first child element of {@code parent} named {@code name}; null if there is none. */
    static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getNodeName())) {
                return e;
            }
        }
        return null;
    }

    static String write(Body body) {
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
