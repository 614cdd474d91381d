package io.blockshift.workflows;

import io.temporal.workflow.Functions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Undo actions, each added just before the step it undoes, run newest first. Every one runs even
 * when one before it fails (putting the guest back onto its source matters most), and every
 * failure is reported: Temporal's {@code Saga} with {@code continueWithError} drops them.
 */
final class Compensations {

    private final Deque<Functions.Proc> undo = new ArrayDeque<>();

    <A> void add(Functions.Proc1<A> compensation, A argument) {
        undo.push(() -> compensation.apply(argument));
    }

    /** Runs them all, newest first; throws the first failure with the others suppressed. */
    void compensate() {
        List<RuntimeException> failures = new ArrayList<>();
        while (!undo.isEmpty()) {
            try {
                undo.pop().apply();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
