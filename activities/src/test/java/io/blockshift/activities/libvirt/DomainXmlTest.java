package io.blockshift.activities.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class DomainXmlTest {

    private static final String AWKWARD = "/srv/o'brien & <co> \"x\"/vda.blockshift-top.qcow2";

    @Test
    void theSnapshotSnapshotsOneDiskOntoItsTopAndNoOtherEvenWithQuotesAndAmpersandsInThePath() {
        List<Disk> disks = List.of(
                new Disk("vda", "file", "disk", "/a/vda.img", "raw", null, null, false),
                new Disk("vdb", "file", "disk", "/a/vdb.img", "raw", null, null, false));
        NodeList written = LibvirtXml.parse(DomainXml.snapshotOfOneDisk(disks, "vda", Path.of(AWKWARD)))
                .getElementsByTagName("disk");
        assertEquals(2, written.getLength());
        Element vda = (Element) written.item(0);
        assertEquals("vda", vda.getAttribute("name"));
        assertEquals("external", vda.getAttribute("snapshot"));
        assertEquals("qcow2", ((Element) vda.getElementsByTagName("driver").item(0)).getAttribute("type"));
        assertEquals(AWKWARD, ((Element) vda.getElementsByTagName("source").item(0)).getAttribute("file"));
        Element vdb = (Element) written.item(1);
        assertEquals("vdb", vdb.getAttribute("name"));
        assertEquals("no", vdb.getAttribute("snapshot"));
        assertEquals(0, vdb.getChildNodes().getLength());
    }

    @Test
    void theCopyDestinationIsAFileDiskOfTheFormatOnThePathAsGiven() {
        Element disk = LibvirtXml.parse(DomainXml.fileDisk(Path.of(AWKWARD), "qcow2")).getDocumentElement();
        assertEquals("disk", disk.getTagName());
        assertEquals("file", disk.getAttribute("type"));
        assertEquals("qcow2", ((Element) disk.getElementsByTagName("driver").item(0)).getAttribute("type"));
        assertEquals(AWKWARD, ((Element) disk.getElementsByTagName("source").item(0)).getAttribute("file"));
    }

    @Test
    void theRedefinitionMovesOneDiskOntoItsNewSourceDropsItsBackingStoreAndKeepsEverythingElse() {
        String persistent = "<domain type='qemu'><name>vm1</name><graphics type='vnc' passwd='s3cret'/><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/old/vda.qcow2'/>"
                + "<backingStore/><target dev='vda' bus='virtio'/></disk>"
                + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/old/vdb.img'/>"
                + "<target dev='vdb' bus='virtio'/></disk></devices></domain>";
        String written = DomainXml.withDiskSource(persistent, "vda", Path.of(AWKWARD));
        List<Disk> disks = Disk.parseAll(written);
        assertEquals(new Disk("vda", "file", "disk", AWKWARD, "qcow2", null, null, false), disks.get(0));
        assertEquals("/old/vdb.img", disks.get(1).source());
        assertEquals(0, LibvirtXml.parse(written).getElementsByTagName("backingStore").getLength());
        assertEquals("s3cret", ((Element) LibvirtXml.parse(written).getElementsByTagName("graphics").item(0))
                .getAttribute("passwd"));
    }
}
