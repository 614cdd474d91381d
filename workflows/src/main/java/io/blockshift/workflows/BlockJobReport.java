package io.blockshift.workflows;

/**
 * What a block job did, recorded in the history.
 *
 * @param job {@code copy} or {@code active-commit}
 * @param bytes bytes the job reported at READY (libvirt's end figure)
 * @param millisToReady from starting the job (or, on a retry, from taking over the running one) until READY
 * @param pivotAttempts how many pivots it took (one unless QEMU was not ready yet)
 * @param resumed whether an earlier attempt had already started the job
 * @param convergence what the job needed to converge under guest writes; null when it converged by
 *     itself (and in histories from before this field)
 */
public record BlockJobReport(String job, long bytes, long millisToReady, int pivotAttempts, boolean resumed,
        ConvergenceReport convergence) {

    /** A job that converged by itself. */
    public BlockJobReport(String job, long bytes, long millisToReady, int pivotAttempts, boolean resumed) {
        this(job, bytes, millisToReady, pivotAttempts, resumed, null);
    }

    public BlockJobReport resumed(boolean resumed) {
        return new BlockJobReport(job, bytes, millisToReady, pivotAttempts, resumed, convergence);
    }

    public BlockJobReport convergence(ConvergenceReport convergence) {
        return new BlockJobReport(job, bytes, millisToReady, pivotAttempts, resumed, convergence);
    }
}
