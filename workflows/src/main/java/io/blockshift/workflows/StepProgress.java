package io.blockshift.workflows;

/**
 * Heartbeat details of the long steps: the operator's progress bar, and for the clone the offset
 * a retry resumes from.
 *
 * @param step the step that reports
 * @param bytesDone bytes done so far
 * @param bytesTotal bytes to do in all (an estimate for block jobs, which grow with guest writes)
 * @param resumeOffset the clone's durable offset; 0 for block jobs
 * @param convergence for a block job, what it has needed so far to converge under guest writes
 *     (null while nothing was), so that the operator sees it and a retry knows it
 */
public record StepProgress(String step, long bytesDone, long bytesTotal, long resumeOffset,
        ConvergenceReport convergence) {

    public StepProgress(String step, long bytesDone, long bytesTotal, long resumeOffset) {
        this(step, bytesDone, bytesTotal, resumeOffset, null);
    }
}
