package io.blockshift.client.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.blockshift.client.BlockshiftCli;
import io.blockshift.workflows.SearchAttributes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The visibility query each {@code list} filter builds. The Blockshift* search attributes are
 * registered by workers of a later change, so these are checked as the strings sent to the server;
 * {@code FleetCommandTest} runs the unfiltered list and {@code --fleets} against a real server.
 */
class ListCommandTest {

    private static final String BOTH_TYPES = "(WorkflowType = 'MigrateDisk' OR WorkflowType = 'MigrateFleet')";

    private static String query(String... args) {
        CommandLine cli = BlockshiftCli.commandLine();
        String[] all = new String[args.length + 1];
        all[0] = "list";
        System.arraycopy(args, 0, all, 1, args.length);
        cli.parseArgs(all);
        return ((ListCommand) cli.getSubcommands().get("list").getCommand()).visibilityQuery();
    }

    @Test
    void withoutFiltersEveryMigrationAndFleetIsListedAttributesOrNot() {
        assertEquals(BOTH_TYPES, query());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--running            | web-1       | " + BOTH_TYPES + " AND ExecutionStatus = 'Running'",
        "--domain             | web-1       | " + BOTH_TYPES + " AND BlockshiftDomain = 'web-1'",
        "--disk               | vdb         | " + BOTH_TYPES + " AND BlockshiftDisk = 'vdb'",
        "--host               | kvm-2       | " + BOTH_TYPES + " AND BlockshiftHost = 'kvm-2'",
        "--target             | /new/b.img  | " + BOTH_TYPES + " AND BlockshiftTarget = '/new/b.img'",
        "--outcome            | failed      | " + BOTH_TYPES + " AND BlockshiftOutcome = 'failed'",
        "--query              | StartTime > '2026-01-01T00:00:00Z' | " + BOTH_TYPES
                + " AND (StartTime > '2026-01-01T00:00:00Z')",
    })
    void eachFilterAddsItsCondition(String option, String value, String expected) {
        String query = option.equals("--running") ? query(option) : query(option, value);
        assertEquals(expected, query);
    }

    @Test
    void theFiltersNameTheSearchAttributesWorkersRegister() {
        assertEquals(List.of(SearchAttributes.DOMAIN.getName(), SearchAttributes.DISK.getName(),
                SearchAttributes.HOST.getName(), SearchAttributes.TARGET.getName(), SearchAttributes.OUTCOME.getName()),
                List.of(ListCommand.DOMAIN, ListCommand.DISK, ListCommand.HOST, ListCommand.TARGET, ListCommand.OUTCOME));
    }

    @Test
    void filtersCombineWithAnd() {
        assertEquals("WorkflowType = 'MigrateFleet' AND ExecutionStatus = 'Running' AND BlockshiftDomain = 'web-1'"
                + " AND BlockshiftOutcome = 'done' AND (CloseTime > '2026-01-01T00:00:00Z')",
                query("--fleets", "--running", "--domain", "web-1", "--outcome", "done",
                        "--query", "CloseTime > '2026-01-01T00:00:00Z'"));
    }

    @Test
    void aQuoteInAFilterIsAUsageErrorPointingAtQuery() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> query("--domain", "it's"));
        assertTrue(e.getMessage().contains("--domain 'it's' holds a quote"), e.getMessage());
        assertTrue(e.getMessage().contains("--query"), e.getMessage());
    }
}
