package io.blockshift.activities.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StorageXmlTest {

    /** What libvirt 9.0 says of a raw file in a dir pool (virsh vol-dumpxml), trimmed. */
    private static final String RAW = """
            <volume type='file'>
              <name>a.img</name>
              <key>/var/tmp/p/a.img</key>
              <capacity unit='bytes'>67108864</capacity>
              <allocation unit='bytes'>4096</allocation>
              <physical unit='bytes'>67108864</physical>
              <target>
                <path>/var/tmp/p/a.img</path>
                <format type='raw'/>
                <permissions><mode>0644</mode><owner>64055</owner><group>64055</group></permissions>
              </target>
            </volume>""";

    @Test
    void aVolumesFormatSizesOwnerAndNoBackingAreReadFromItsXml() {
        StorageXml.VolumeInfo v = StorageXml.volume(RAW);
        assertEquals("a.img", v.name());
        assertEquals("/var/tmp/p/a.img", v.path());
        assertEquals("raw", v.format());
        assertEquals(64L << 20, v.capacity());
        assertEquals(4096, v.allocation());
        assertNull(v.backingPath());
        assertEquals(new StorageXml.Permissions("0644", "64055", "64055"), v.permissions());
    }

    @Test
    void anOverlaysBackingStoreIsReadAndWrittenWithItsFormat() {
        String xml = StorageXml.newOverlay("b'.qcow2", 1L << 30, "/srv/new/<b>&.img", "raw",
                new StorageXml.Permissions("0600", "64055", null));
        assertTrue(xml.contains("&lt;b&gt;&amp;.img"), "paths are escaped: " + xml);
        assertTrue(xml.contains("<compat>1.1</compat>"), xml);
        assertTrue(xml.contains("<permissions><mode>0600</mode><owner>64055</owner></permissions>"), xml);
        StorageXml.VolumeInfo v = StorageXml.volume(xml.replace("<target>", "<target><path>/srv/new/b'.qcow2</path>"));
        assertEquals("qcow2", v.format());
        assertEquals(1L << 30, v.capacity());
        assertEquals("/srv/new/<b>&.img", v.backingPath());
        assertEquals("raw", v.backingFormat());
    }

    @Test
    void aNewVolumeAsksForItsAllocationAndAPoolsTargetIsItsDirectory() {
        String xml = StorageXml.newVolume("b.img", "raw", 100, 0, null);
        assertEquals(0, StorageXml.volume(xml).allocation());
        assertEquals(100, StorageXml.volume(xml).capacity());
        assertTrue(!xml.contains("permissions"), xml);
        StorageXml.PoolInfo pool = StorageXml.pool("<pool type='dir'><name>new</name><capacity unit='bytes'>1</capacity>"
                + "<target><path>/srv/new</path></target></pool>");
        assertEquals(new StorageXml.PoolInfo("dir", "new", "/srv/new"), pool);
    }
}
