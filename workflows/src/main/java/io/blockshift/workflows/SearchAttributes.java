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
    /** The request's host, or {@link Hosts#LOCAL} when it names none. */
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

    /** The server refuses a value over 2048 bytes (as JSON): it terminates a workflow that upserts one. */
    private static final int MAX_JSON_BYTES = 2048;
    private static final String CUT = "...";

    private SearchAttributes() {
    }

    /**
     * {@code value} as the server takes it: unchanged unless it is over the server's limit (no real
     * name or path is), then as much of its start as fits and "...", so a request with an absurd
     * field is refused as usual, not terminated by the server.
     */
    public static String keywordValue(String value) {
        if (jsonBytes(value) <= MAX_JSON_BYTES) {
            return value;
        }
        StringBuilder kept = new StringBuilder();
        int bytes = jsonBytes(CUT);
        for (int c : value.codePoints().toArray()) {
            bytes += jsonBytes(c);
            if (bytes > MAX_JSON_BYTES) {
                break;
            }
            kept.appendCodePoint(c);
        }
        return kept.append(CUT).toString();
    }

    /** At least the size of {@code value} as a JSON string (the SDK's Jackson). */
    private static int jsonBytes(String value) {
        return 2 + value.codePoints().map(SearchAttributes::jsonBytes).sum();
    }

    /**
     * At least the size of one character in a JSON string: 6 for any control character, though
     * some take 2; 12 for one beyond the BMP, which Jackson writes as two escaped surrogates.
     */
    private static int jsonBytes(int c) {
        return c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 12;
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
