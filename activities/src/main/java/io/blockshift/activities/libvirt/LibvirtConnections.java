package io.blockshift.activities.libvirt;

import java.util.HashMap;
import java.util.Map;
import org.libvirt.Connect;
import org.libvirt.ErrorCallback;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One libvirt connection per URI, opened on first use and reopened when it dies. The event loop is
 * registered before the first connection (libvirt only delivers events to connections opened after
 * it) and runs on a daemon thread of its own.
 */
public final class LibvirtConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LibvirtConnections.class);
    private static Thread eventLoop;
    /** Held for as long as libvirt may call it: JNA callbacks must stay reachable. */
    private static final ErrorCallback SILENT = new ErrorCallback();

    private final Map<String, Connect> byUri = new HashMap<>();

    public LibvirtConnections() {
        startEventLoop();
    }

    /** The open connection for {@code uri}. */
    public synchronized Connect connect(String uri) throws LibvirtException {
        Connect connection = byUri.get(uri);
        if (connection != null && isAlive(connection)) {
            return connection;
        }
        if (connection != null) {
            log.warn("libvirt connection to {} died; reconnecting", uri);
            closeQuietly(connection);
        }
        connection = new Connect(uri, false);
        // Notices a dead libvirtd within about 15 s (interval 5 s, 3 unanswered).
        connection.setKeepAlive(5, 3);
        byUri.put(uri, connection);
        return connection;
    }

    /** The guest with {@code nameOrUuid} on {@code uri}. */
    public Guest guest(String uri, String nameOrUuid) throws LibvirtException {
        return Guest.lookUp(connect(uri), nameOrUuid);
    }

    /** The storage pools of the host at {@code uri}. */
    public HostStorage storage(String uri) throws LibvirtException {
        return new HostStorage(connect(uri));
    }

    @Override
    public synchronized void close() {
        byUri.values().forEach(LibvirtConnections::closeQuietly);
        byUri.clear();
    }

    private static boolean isAlive(Connect connection) {
        try {
            return connection.isConnected() && connection.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    private static void closeQuietly(Connect connection) {
        try {
            connection.close();
        } catch (LibvirtException e) {
            log.debug("closing a libvirt connection: {}", e.getMessage());
        }
    }

    private static synchronized void startEventLoop() {
        if (eventLoop != null) {
            return;
        }
        try {
            // libvirt prints every error to stderr by default; blockshift reports them itself.
            Connect.setErrorCallback(SILENT);
            Library.initEventLoop();
        } catch (LibvirtException e) {
            throw new IllegalStateException("cannot start libvirt's event loop: " + e.getMessage(), e);
        }
        eventLoop = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException | InterruptedException e) {
                log.error("libvirt event loop stopped: {}", e.getMessage());
            }
        }, "libvirt-events");
        eventLoop.setDaemon(true);
        eventLoop.start();
    }
}
