package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.workflows.MigrateDiskResult;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.libvirt.DomainInfo.DomainState;

/**
 * A template VM's disk that linked clones sit on (a qcow2 of another domain names it as its backing
 * file): moving the template keeps the old image, because the clones still read it.
 */
class SharedSourceOnLibvirtTest extends LibvirtTemporalTest {

    @Test
    void movingATemplatesDiskKeepsTheImageItsLinkedClonesSitOn() throws Exception {
        try (TestVm template = TestVm.start(libvirt, "raw", 16)) {
            template.write(0x5a, 2);
            template.flush();
            template.stop();
            try (TestVm clone = TestVm.startOver(libvirt, template.vda, "raw")) {
                MigrateDiskResult result = migrate(activities(template.dst), request(template, template.target()));

                assertEquals(template.target().toString(), template.persistentDisk().source(), "the template moved");
                assertTrue(result.sourceKept(), "the result says A was kept");
                assertTrue(Files.exists(template.vda), "A stays: the clone sits on it");
                assertEquals(DomainState.VIR_DOMAIN_RUNNING, clone.state());
                assertTrue(TestVm.holds(clone.vda, "qcow2", 0x5a, 2), "the clone still reads the template's data through A");
                assertTrue(TestVm.holds(template.target(), "raw", 0x5a, 2), "B holds it too");
            }
        }
    }
}
