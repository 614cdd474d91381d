package io.blockshift.activities.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageInfoTest {

    /** What qemu-img 7.2 printed for a qcow2 with one internal snapshot over a raw base (trimmed). */
    private static final String CHAIN = """
            [
                {
                    "snapshots": [{"icount": 0, "vm-clock-nsec": 0, "name": "s1", "date-sec": 1764758000,
                                   "date-nsec": 0, "vm-clock-sec": 0, "id": "1", "vm-state-size": 0}],
                    "backing-filename-format": "raw",
                    "virtual-size": 16777216,
                    "filename": "/old/top.qcow2",
                    "cluster-size": 65536,
                    "format": "qcow2",
                    "actual-size": 200704,
                    "format-specific": {"type": "qcow2", "data": {"compat": "1.1", "corrupt": false}},
                    "full-backing-filename": "/old/base.img",
                    "backing-filename": "base.img",
                    "dirty-flag": false
                },
                {
                    "virtual-size": 16777216,
                    "filename": "/old/base.img",
                    "format": "raw",
                    "actual-size": 4096,
                    "dirty-flag": false
                }
            ]
            """;

    @Test
    void readsEveryLayerOfABackingChainTopFirst() throws IOException {
        assertEquals(List.of(
                new ImageInfo("/old/top.qcow2", "qcow2", 16777216, 200704, "base.img", "/old/base.img", "raw", 1, null),
                new ImageInfo("/old/base.img", "raw", 16777216, 4096, null, null, null, 0, null)),
                ImageInfo.parseChain(CHAIN));
    }

    @Test
    void readsAnExternalDataFile() throws IOException {
        ImageInfo info = ImageInfo.parseChain("""
                {"filename": "/a.qcow2", "format": "qcow2", "virtual-size": 1,
                 "format-specific": {"type": "qcow2", "data": {"data-file": "/a.data"}}}""").get(0);
        assertEquals("/a.data", info.dataFile());
    }
}
