package io.blockshift.activities.libvirt;

import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/** What a libvirt error is, and calls that outlive a domain going away. */
public final class LibvirtErrors {

    private LibvirtErrors() {
    }

    public static boolean is(LibvirtException e, ErrorNumber code) {
        return e.getError() != null && e.getError().getCode() == code;
    }

    /** A libvirt call that may find its domain gone. */
    public interface Call<T> {
        T call() throws LibvirtException;
    }

    /** The call's answer, or null when its domain went away meanwhile. */
    public static <T> T unlessGone(Call<T> call) throws LibvirtException {
        try {
            return call.call();
        } catch (LibvirtException e) {
            if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                return null;
            }
            throw e;
        }
    }
}
