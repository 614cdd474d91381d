package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.activities.libvirt.Disk;
import io.blockshift.activities.libvirt.GuestlessDomainXml;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test VMs' and the demo's domain XML, read back as libvirt's own XML is (no libvirt needed). */
class GuestlessDomainXmlTest {

    @Test
    void disksComeOutInOrderAsFileDisksOnVirtioWithTheirFormats() {
        String xml = GuestlessDomainXml.named("bs-test-x")
                .disk("vda", Path.of("/var/tmp/a/vda.qcow2"), "qcow2")
                .disk("vdb", Path.of("/var/tmp/a/vdb.img"), "raw")
                .toXml();

        assertEquals(List.of(
                new Disk("vda", "file", "disk", "/var/tmp/a/vda.qcow2", "qcow2", null, null, false),
                new Disk("vdb", "file", "disk", "/var/tmp/a/vdb.img", "raw", null, null, false)), Disk.parseAll(xml));
        assertTrue(xml.startsWith("<domain type=\"qemu\">"), xml);
        assertTrue(xml.contains("<name>bs-test-x</name>"), xml);
        assertTrue(xml.contains("<memballoon model=\"none\"/>"), xml);
    }

    @Test
    void namesDescriptionsAndPathsAreEscaped() {
        String xml = GuestlessDomainXml.named("bs-test-<&>")
                .description("made by 'tests' & removed by \"them\" <soon>")
                .disk("vda", Path.of("/var/tmp/it's & <odd>.img"), "raw")
                .toXml();

        assertEquals("/var/tmp/it's & <odd>.img", Disk.parseAll(xml).get(0).source());
        assertTrue(xml.contains("<name>bs-test-&lt;&amp;&gt;</name>"), xml);
        assertTrue(xml.contains("&amp; removed by"), xml);
    }
}
