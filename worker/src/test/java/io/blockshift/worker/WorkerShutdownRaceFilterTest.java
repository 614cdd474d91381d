package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class WorkerShutdownRaceFilterTest {

    private final LoggerContext context = new LoggerContext();
    private final WorkerShutdownRaceFilter filter = new WorkerShutdownRaceFilter();

    @Test
    void dropsTheRejectionOfAPollLoopByAnExecutorShuttingDown() {
        assertEquals(FilterReply.DENY, filter.decide(event(WorkerShutdownRaceFilter.POLLER_LOGGER,
                new RejectedExecutionException("Task PollLoopTask@1 rejected from ThreadPoolExecutor@2[Shutting down, pool size = 5]"))));
    }

    @Test
    void keepsEveryOtherPollerErrorAndTheSameRejectionElsewhere() {
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(WorkerShutdownRaceFilter.POLLER_LOGGER,
                new RejectedExecutionException("Task PollLoopTask@1 rejected from ThreadPoolExecutor@2[Running, pool size = 5]"))));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(WorkerShutdownRaceFilter.POLLER_LOGGER,
                new IllegalStateException("Shutting down"))));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event("io.blockshift.worker.BlockshiftWorker",
                new RejectedExecutionException("[Shutting down]"))));
    }

    private LoggingEvent event(String loggerName, Throwable thrown) {
        Logger logger = context.getLogger(loggerName);
        return new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "uncaught exception", thrown, null);
    }
}
