package io.blockshift.workflows;

/**
 * What a block job did, recorded in the history.
 *
 * @param job {@code copy} or {@code active-commit}
 * @param bytes bytes the job reported at READY (libvirt's end figure)
 * @param millisToReady from starting the job (or, on a retry, from taking over the running one) until READY
 * @param pivotAttempts how many pivots it took (one unless QEMU was not ready yet)
 * @param resumed whether an earlier attempt had already started the job
 */
public record BlockJobReport(String job, long bytes, long millisToReady, int pivotAttempts, boolean resumed) {

    public BlockJobReport resumed(boolean resumed) {
        return new BlockJobReport(job, bytes, millisToReady, pivotAttempts, resumed);
    }
}
