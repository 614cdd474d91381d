package io.blockshift.workflows;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.SearchAttributeKey;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The search attributes every {@code MigrateDisk} keeps up to date, so operators can find
 * migrations with {@code temporal workflow list --query "BlockshiftDomain='vm1' AND BlockshiftOutcome='done'"}.
 * All are Keyword: exact matches, and the dev server's SQLite visibility has ten Keyword slots.
 * The worker adds them to its namespace when they are missing.
 */
public final class SearchAttributes {

    /** The domain's name (as requested until preflight has resolved it). */
    public static final SearchAttributeKey<String> DOMAIN = SearchAttributeKey.forKeyword("BlockshiftDomain");
    /** The disk's target dev, such as {@code vda} (as requested until preflight has resolved it). */
    public static final SearchAttributeKey<String> DISK = SearchAttributeKey.forKeyword("BlockshiftDisk");
    /** The request's host, or {@link #LOCAL_HOST} when it names none. */
    public static final SearchAttributeKey<String> HOST = SearchAttributeKey.forKeyword("BlockshiftHost");
    /** A: the old base image, once preflight has found it. */
    public static final SearchAttributeKey<String> SOURCE = SearchAttributeKey.forKeyword("BlockshiftSource");
    /** B: the new base image. */
    public static final SearchAttributeKey<String> TARGET = SearchAttributeKey.forKeyword("BlockshiftTarget");
    /** The cloner asked for ({@code auto}, ...) until the clone, then the one that ran. */
    public static final SearchAttributeKey<String> CLONER = SearchAttributeKey.forKeyword("BlockshiftCloner");
    /** The phase the {@code status} query reports: {@code preflight}, {@code clone}, ..., {@code done}. */
    public static final SearchAttributeKey<String> PHASE = SearchAttributeKey.forKeyword("BlockshiftPhase");
    /** How it ended: {@code done}, {@code rolled-back}, {@code refused}, {@code failed} or {@code canceled}. */
    public static final SearchAttributeKey<String> OUTCOME = SearchAttributeKey.forKeyword("BlockshiftOutcome");

    /** Every one of them, for registering in a namespace. */
    public static final List<SearchAttributeKey<String>> ALL =
            List.of(DOMAIN, DISK, HOST, SOURCE, TARGET, CLONER, PHASE, OUTCOME);

    /** {@link #HOST}'s value for a migration on the workflow's own task queue. */
    public static final String LOCAL_HOST = "local";

    private SearchAttributes() {
    }

    /**
     * Registers every attribute through {@code register}: with the SDK's in-memory test server,
     * {@code SearchAttributes.registerWith(testEnvironment::registerSearchAttribute)}; without it
     * the in-memory server fails every upsert.
     */
    public static void registerWith(BiConsumer<String, IndexedValueType> register) {
        ALL.forEach(key -> register.accept(key.getName(), key.getValueType()));
    }
}
