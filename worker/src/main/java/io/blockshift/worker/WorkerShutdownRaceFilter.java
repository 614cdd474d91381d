package io.blockshift.worker;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.RejectedExecutionException;

/**
 * Drops the ERROR the Temporal SDK logs when a worker shuts down normally: a poll loop resubmits
 * itself to its executor just after the executor began shutting down (sdk-java#3076, open as of
 * SDK 1.38). Only that rejection is dropped; any other uncaught poller exception still shows.
 */
public final class WorkerShutdownRaceFilter extends Filter<ILoggingEvent> {

    static final String POLLER_LOGGER = "io.temporal.internal.worker.PollerOptions";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        boolean shutdownRace = POLLER_LOGGER.equals(event.getLoggerName())
                && thrown != null
                && RejectedExecutionException.class.getName().equals(thrown.getClassName())
                && thrown.getMessage() != null
                && thrown.getMessage().contains("Shutting down");
        return shutdownRace ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
