package io.blockshift.worker;

import io.blockshift.activities.libvirt.LibvirtConnections;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;

/**
 * Transient libvirt {@code dir} storage pools over a test's directories (named {@code bs-test-...}),
 * as an agentless host needs them; {@link #close()} destroys them, which leaves their files.
 */
final class TestPools implements AutoCloseable {

    private final List<StoragePool> pools = new ArrayList<>();
    private final List<StoragePool> defined = new ArrayList<>();
    private final LibvirtConnections libvirt;

    TestPools(LibvirtConnections libvirt) {
        this.libvirt = libvirt;
    }

    /** A started dir pool over {@code dir}; returns its name. */
    String dir(Path dir) throws LibvirtException {
        String name = TestVm.PREFIX + "pool-" + UUID.randomUUID().toString().substring(0, 8);
        pools.add(libvirt.connect(TestVm.URI).storagePoolCreateXML("<pool type='dir'><name>" + name
                + "</name><target><path>" + dir + "</path></target></pool>", 0));
        return name;
    }

    /** A pool over {@code dir} that is defined but not started (its volumes unseen by libvirt); returns its name. */
    String definedOnly(Path dir) throws LibvirtException {
        String name = TestVm.PREFIX + "pool-" + UUID.randomUUID().toString().substring(0, 8);
        defined.add(libvirt.connect(TestVm.URI).storagePoolDefineXML("<pool type='dir'><name>" + name
                + "</name><target><path>" + dir + "</path></target></pool>", 0));
        return name;
    }

    /** The names of the volumes of pool {@code name}, after a refresh, sorted. */
    List<String> volumes(String name) throws LibvirtException {
        StoragePool pool = libvirt.connect(TestVm.URI).storagePoolLookupByName(name);
        pool.refresh(0);
        String[] names = pool.listVolumes();
        Arrays.sort(names);
        return List.of(names);
    }

    @Override
    public void close() throws LibvirtException {
        LibvirtException first = null;
        for (StoragePool pool : pools) {
            try {
                pool.destroy();
            } catch (LibvirtException e) {
                first = first == null ? e : first;
            }
        }
        for (StoragePool pool : defined) {
            try {
                if (pool.isActive() == 1) {
                    pool.destroy();
                }
                pool.undefine();
            } catch (LibvirtException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
