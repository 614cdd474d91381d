package io.blockshift.workflows;

/**
 * Heartbeat details of the long steps: the operator's progress bar, and for the clone the offset
 * a retry resumes from.
 *
 * @param step the step that reports
 * @param bytesDone bytes done so far
 * @param bytesTotal bytes to do in all (an estimate for block jobs, which grow with guest writes)
 * @param resumeOffset the clone's durable offset; 0 for block jobs
 */
public record StepProgress(String step, long bytesDone, long bytesTotal, long resumeOffset) {
}
