package io.blockshift.workflows;

import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * What a {@code MigrateDisk} shows the server besides its history: the {@link SearchAttributes}
 * operators list migrations by, and the memo that keeps the outcome of a migration the SDK closes
 * as CANCELED. A run begun before blockshift kept search attributes upserts none.
 */
final class MigrationVisibility {

    private final boolean kept;

    /** {@code kept}: whether this run keeps search attributes (its version says so). */
    MigrationVisibility(boolean kept) {
        this.kept = kept;
    }

    /**
     * The search attributes in the request's own words, until preflight resolves them. It names
     * every attribute, the unknown ones unset: where one is missing from the namespace, the server
     * rejects this first workflow task, so the migration waits before it has changed anything,
     * never halfway.
     */
    void requested(MigrateDiskRequest request, String host, DiskPhase phase) {
        upsert(keyword(SearchAttributes.DOMAIN, request.domain), keyword(SearchAttributes.DISK, request.disk),
                keyword(SearchAttributes.HOST, Hosts.orLocal(host)),
                SearchAttributes.SOURCE.valueUnset(), keyword(SearchAttributes.TARGET, request.target),
                keyword(SearchAttributes.CLONER, request.cloner), SearchAttributes.PHASE.valueSet(phase.wire()),
                SearchAttributes.OUTCOME.valueUnset());
    }

    /**
     * What preflight resolved: the domain's name even when asked by UUID, the disk's target dev
     * even when asked by path.
     */
    void resolved(MigrationPlan plan) {
        upsert(keyword(SearchAttributes.DOMAIN, plan.domainName()), keyword(SearchAttributes.DISK, plan.diskTarget()),
                keyword(SearchAttributes.SOURCE, plan.source()), keyword(SearchAttributes.TARGET, plan.target()));
    }

    /** The cloner that ran, in place of the one asked for. */
    void cloner(String cloner) {
        upsert(keyword(SearchAttributes.CLONER, cloner));
    }

    void phase(DiskPhase phase) {
        upsert(SearchAttributes.PHASE.valueSet(phase.wire()));
    }

    void outcome(Outcome outcome) {
        upsert(SearchAttributes.OUTCOME.valueSet(outcome.wire()));
    }

    /**
     * The SDK closes a workflow that was asked to cancel as CANCELED whatever it returns: the memo,
     * the status query and the log are where the migration's outcome survives.
     */
    static void cancelIgnored(MigrationPlan plan) {
        Workflow.upsertMemo(Map.of(Memo.OUTCOME, "migrated: the cancel came after the point of no return; the guest runs on "
                + plan.target()));
    }

    /**
     * How a migration that did not finish ended, as {@link SearchAttributes#OUTCOME} says it.
     *
     * @param recorded the failure it recorded as its end, or null when it recorded none
     * @param canceled whether it was canceled
     */
    static Outcome outcomeOf(ApplicationFailure recorded, boolean canceled) {
        if (recorded == null) {
            return canceled ? Outcome.CANCELED : Outcome.FAILED;
        }
        FailureType type = FailureType.of(recorded.getType());
        if (type == FailureType.ROLLED_BACK) {
            return Outcome.ROLLED_BACK;
        }
        if (type == FailureType.REFUSED) {
            return canceled ? Outcome.CANCELED : Outcome.REFUSED;
        }
        // CommitIncomplete, RollbackIncomplete, Undecided: something needs a hand, cancel or not.
        return Outcome.FAILED;
    }

    /** Sets search attributes, unless this run began before blockshift kept them (its history has none). */
    private void upsert(SearchAttributeUpdate<?>... updates) {
        if (kept) {
            Workflow.upsertTypedSearchAttributes(updates);
        }
    }

    /** Sets {@code key} to {@code value} as the server takes it, or unsets it when there is none. */
    private static SearchAttributeUpdate<String> keyword(SearchAttributeKey<String> key, String value) {
        return value == null ? key.valueUnset() : key.valueSet(SearchAttributes.keywordValue(value));
    }
}
