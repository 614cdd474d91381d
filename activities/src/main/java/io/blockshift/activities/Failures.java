package io.blockshift.activities;

import io.blockshift.activities.libvirt.BlockJobFailedException;
import io.blockshift.activities.libvirt.NativeLibvirtException;
import io.blockshift.workflows.FailureType;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import org.libvirt.LibvirtException;

/** How the activities tell Temporal what went wrong: which failures are refusals, which retry, of what type. */
public final class Failures {

    private Failures() {
    }

    /** A step's body: may throw what libvirt, files and processes throw. */
    public interface Body<T> {
        T run() throws Exception;
    }

    /**
     * Runs a step, turning what it throws into what Temporal understands: refusals and other
     * {@link ApplicationFailure}s as they are, a cancel as it is, and anything else as a retryable
     * failure that names the cause.
     */
    public static <T> T call(Body<T> body) {
        try {
            return body.run();
        } catch (ApplicationFailure | ActivityCompletionException e) {
            throw e;
        } catch (LibvirtException e) {
            throw libvirt(e);
        } catch (NativeLibvirtException e) {
            throw retryable("libvirt: " + e.getMessage(), StepFailureType.LIBVIRT, e);
        } catch (BlockJobFailedException e) {
            throw retryable(e.getMessage(), StepFailureType.BLOCK_JOB_FAILED, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw retryable("interrupted", StepFailureType.INTERRUPTED, e);
        } catch (Exception e) {
            throw ApplicationFailure.newFailureWithCause(e.getClass().getSimpleName() + ": " + e.getMessage(),
                    e.getClass().getSimpleName(), e);
        }
    }

    /** A retryable failure for a libvirt error. */
    public static ApplicationFailure libvirt(LibvirtException e) {
        return retryable("libvirt: " + e.getMessage(), StepFailureType.LIBVIRT, e);
    }

    /** Nothing was changed and nothing will be: the message names the problem and the fix. */
    public static ApplicationFailure refuse(String message) {
        return ApplicationFailure.newNonRetryableFailure(message, FailureType.REFUSED.wire());
    }

    /** A failure a retry may mend. */
    public static ApplicationFailure retryable(String message, StepFailureType type, Throwable cause) {
        return ApplicationFailure.newFailureWithCause(message, type.wire(), cause);
    }

    /** A failure no retry can mend. */
    public static ApplicationFailure nonRetryable(String message, StepFailureType type) {
        return ApplicationFailure.newNonRetryableFailure(message, type.wire());
    }
}
