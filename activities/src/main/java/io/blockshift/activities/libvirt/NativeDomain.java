package io.blockshift.activities.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.ptr.IntByReference;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.libvirt.Domain;

/**
 * The libvirt calls blockshift needs that libvirt-java 0.5.4 lacks, bound with JNA against
 * libvirt.so and made on the same virDomainPtr (and so the same connection) as the Domain they
 * serve: a running block job's speed and a disk's I/O tuning.
 */
final class NativeDomain {

    private static final int AFFECT_LIVE = LibvirtFlag.of(LibvirtFlag.AFFECT_LIVE);
    /** VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES: the bandwidth is in bytes/s rather than MiB/s. */
    private static final int SPEED_BANDWIDTH_BYTES = 1;

    // virTypedParameter: char field[80]; int type; union value (8 bytes, 8-aligned).
    private static final int FIELD_LENGTH = 80;
    private static final int TYPE_OFFSET = 80;
    private static final int VALUE_OFFSET = 88;
    private static final int PARAMETER_SIZE = 96;
    private static final int TYPE_INT = 1;
    private static final int TYPE_UINT = 2;
    private static final int TYPE_LLONG = 3;
    private static final int TYPE_ULLONG = 4;
    private static final int TYPE_BOOLEAN = 6;
    private static final int TYPE_STRING = 7;

    @SuppressWarnings("checkstyle:MethodName")
    interface Libvirt extends Library {
        Libvirt INSTANCE = Native.load("virt", Libvirt.class);

        int virDomainBlockJobSetSpeed(Pointer domain, String disk, NativeLong bandwidth, int flags);

        int virDomainGetBlockIoTune(Pointer domain, String disk, Pointer params, IntByReference nparams, int flags);

        int virDomainSetBlockIoTune(Pointer domain, String disk, Pointer params, int nparams, int flags);

        void virTypedParamsClear(Pointer params, int nparams);

        String virGetLastErrorMessage();
    }

    private final Pointer domain;

    NativeDomain(Domain domain) {
        this.domain = pointerOf(domain);
    }

    /** Sets a running block job's bandwidth in bytes/s; 0 lifts the limit. */
    void setBlockJobSpeed(String disk, long bytesPerSecond) {
        check(Libvirt.INSTANCE.virDomainBlockJobSetSpeed(domain, disk, new NativeLong(bytesPerSecond),
                SPEED_BANDWIDTH_BYTES), "virDomainBlockJobSetSpeed " + disk);
    }

    /**
     * The disk's I/O tuning on the running domain, every parameter libvirt reports, by name:
     * numbers as Long, {@code group_name} as a String.
     */
    Map<String, Object> blockIoTune(String disk) {
        IntByReference count = new IntByReference(0);
        check(Libvirt.INSTANCE.virDomainGetBlockIoTune(domain, disk, null, count, AFFECT_LIVE),
                "virDomainGetBlockIoTune " + disk);
        Map<String, Object> tuning = new LinkedHashMap<>();
        if (count.getValue() == 0) {
            return tuning;
        }
        Memory params = new Memory((long) PARAMETER_SIZE * count.getValue());
        params.clear();
        check(Libvirt.INSTANCE.virDomainGetBlockIoTune(domain, disk, params, count, AFFECT_LIVE),
                "virDomainGetBlockIoTune " + disk);
        try {
            for (int i = 0; i < count.getValue(); i++) {
                long at = (long) i * PARAMETER_SIZE;
                String field = params.getString(at, StandardCharsets.UTF_8.name());
                int type = params.getInt(at + TYPE_OFFSET);
                long value = at + VALUE_OFFSET;
                switch (type) {
                    case TYPE_INT, TYPE_UINT -> tuning.put(field, (long) params.getInt(value));
                    case TYPE_LLONG, TYPE_ULLONG -> tuning.put(field, params.getLong(value));
                    case TYPE_BOOLEAN -> tuning.put(field, (long) params.getByte(value));
                    case TYPE_STRING -> {
                        Pointer s = params.getPointer(value);
                        tuning.put(field, s == null ? null : s.getString(0, StandardCharsets.UTF_8.name()));
                    }
                    default -> { } // a type this build does not know: not one blockshift changes
                }
            }
        } finally {
            Libvirt.INSTANCE.virTypedParamsClear(params, count.getValue());
        }
        return tuning;
    }

    /** Sets these unsigned long long parameters of the disk's I/O tuning on the running domain. */
    void setBlockIoTune(String disk, Map<String, Long> values) {
        Memory params = new Memory((long) PARAMETER_SIZE * values.size());
        params.clear();
        int i = 0;
        for (Map.Entry<String, Long> value : values.entrySet()) {
            long at = (long) i++ * PARAMETER_SIZE;
            byte[] name = value.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length >= FIELD_LENGTH) {
                throw new IllegalArgumentException(value.getKey());
            }
            params.write(at, name, 0, name.length);
            params.setInt(at + TYPE_OFFSET, TYPE_ULLONG);
            params.setLong(at + VALUE_OFFSET, value.getValue());
        }
        check(Libvirt.INSTANCE.virDomainSetBlockIoTune(domain, disk, params, values.size(), AFFECT_LIVE),
                "virDomainSetBlockIoTune " + disk + " " + values);
    }

    private static void check(int result, String call) {
        if (result < 0) {
            throw new NativeLibvirtException(call + ": " + Libvirt.INSTANCE.virGetLastErrorMessage());
        }
    }

    /** libvirt-java keeps the virDomainPtr in a private field: the one way to make calls it lacks on it. */
    private static Pointer pointerOf(Domain domain) {
        for (Field field : Domain.class.getDeclaredFields()) {
            if (PointerType.class.isAssignableFrom(field.getType())) {
                try {
                    field.setAccessible(true);
                    return ((PointerType) field.get(domain)).getPointer();
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot reach libvirt-java's virDomainPtr: " + e, e);
                }
            }
        }
        throw new IllegalStateException("libvirt-java's Domain holds no virDomainPtr field this build knows");
    }
}
