package io.blockshift.client.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.blockshift.activities.files.StorageRoots;
import io.blockshift.activities.libvirt.LibvirtConnections;
import io.blockshift.activities.migration.LibvirtMigrationActivities;
import io.blockshift.client.ExitCodes;
import io.blockshift.cloners.Cloners;
import io.blockshift.workflows.ChainMode;
import io.blockshift.workflows.MigrateDiskRequest;
import io.blockshift.workflows.MigrationPlan;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code blockshift plan}: every preflight check and the exact steps, changing nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        header = "Dry run: check a migration and print its exact steps, changing nothing.",
        description = {"Runs MigrateDisk's preflight checks from this machine, which must be the VM's host (the"
                + " checks look at the target's directory and free space here), and prints what each step would"
                + " do: the files it would create, the libvirt calls, what it would delete. Nothing is changed,"
                + " and no Temporal server is needed.",
            "Exit 0 when the migration would start, 3 when preflight refuses it (the message says why)."},
        footer = {"", "Example:", "  blockshift plan --domain vm1 --disk vda --target /srv/fast/vm1-vda.img"})
public final class PlanCommand implements Callable<Integer> {

    @Mixin
    DiskOptions which;

    @Option(names = "--target", required = true, paramLabel = "PATH", description = "The new base image B.")
    Path target;

    @ArgGroup(exclusive = false)
    ClonerOptions copying = new ClonerOptions();

    @Option(names = "--connect", paramLabel = "URI", defaultValue = "qemu:///system",
            description = "libvirt URI of the VM's host (default: ${DEFAULT-VALUE}).")
    String connectUri;

    @Option(names = "--keep-source", description = "Plan to keep the old base image A.")
    boolean keepSource;

    @Option(names = "--storage-root", paramLabel = "DIR", description = "A directory the worker may write in"
            + " (repeatable; default: the target's own directory, as migrate's embedded worker allows).")
    List<Path> storageRoots = new ArrayList<>();

    @Option(names = "--json", description = "Print the plan preflight resolved as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        MigrateDiskRequest request = which.request(target, copying);
        request.connectUri = connectUri;
        request.keepSource = keepSource;
        List<String> problems = request.problems();
        if (!problems.isEmpty()) {
            System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": " + String.join("; ", problems));
            return ExitCodes.REFUSED;
        }
        List<Path> roots = storageRoots.isEmpty()
                ? List.of(Path.of(request.target).getParent())
                : storageRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        MigrationPlan plan;
        try (LibvirtConnections libvirt = new LibvirtConnections()) {
            plan = new LibvirtMigrationActivities(libvirt, new StorageRoots(roots), Cloners.discover()).preflight(request);
        } catch (ApplicationFailure refused) {
            String why = refused.getOriginalMessage();
            System.err.println(ExitCodes.outcome(ExitCodes.REFUSED) + ": " + why + (why.endsWith(".") ? "" : ".")
                    + " Nothing was changed.");
            return ExitCodes.REFUSED;
        }
        if (json) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(plan));
        } else {
            print(plan);
        }
        return ExitCodes.OK;
    }

    private static void print(MigrationPlan p) {
        String limit = p.bandwidthBytesPerSecond() == 0 ? "no limit" : (p.bandwidthBytesPerSecond() >> 20) + " MiB/s";
        System.out.printf("preflight passed: disk %s of %s (%s, %s, %d MiB, %d MiB allocated) can move to %s%n",
                p.diskTarget(), p.domainName(), p.source(), p.sourceFormat(), p.sourceSize() >> 20,
                p.sourceAllocated() >> 20, p.target());
        if (p.inactive()) {
            printShutOff(p, limit);
            return;
        }
        System.out.println("steps:");
        System.out.printf("  1 snapshot  external, disk-only, atomic, no metadata: %s writes to a new %s over %s;"
                + " every other disk is left alone%n", p.domainName(), p.top(), p.source());
        if (p.hasBacking() && p.chain() == ChainMode.FLATTEN) {
            System.out.printf("  2 clone     qemu-img convert -U -f %s -O qcow2 %s %s (the whole chain in one image),"
                    + " linked into place as %s%n", p.sourceFormat(), p.source(), p.partialTarget(), p.target());
        } else {
            ChainPlanLines.layers(p).forEach(System.out::println);
            System.out.printf("  2 clone     %s -> %s with %s (%s), %s, written as %s and linked into place%n",
                    p.source(), p.target(), p.cloner(), p.clonerReason(), limit, p.partialTarget());
        }
        ChainPlanLines.rebaseAndCheck(p).forEach(System.out::println);
        System.out.printf("  3 overlay   qemu-img create -f qcow2 -b %s -F %s %s%n", p.target(), p.sourceFormat(), p.overlay());
        System.out.printf("  4 mirror    shallow blockcopy of %s into %s (reuse-external%s), %s; pivot when READY:"
                + " the point of no return%n", p.top(), p.overlay(), p.persistent() ? ", transient job" : "", limit);
        System.out.printf("  5 commit    active shallow blockcommit of %s into %s; pivot when READY%n", p.overlay(), p.target());
        System.out.printf("  6 cleanup   delete %s%s, %s%n", p.keepSource() ? "" : p.source() + ", ", p.top(), p.overlay());
        ChainPlanLines.unneeded(p).forEach(System.out::println);
        System.out.println("a failure or cancel before step 4's pivot rolls back: the VM ends on " + p.source()
                + " alone and nothing new is left on disk.");
    }

    /** A shut-off domain's steps: no snapshot, no block job; a copy and a define. */
    private static void printShutOff(MigrationPlan p, String limit) {
        System.out.printf("%s is shut off: its disk moves by copy and a define, with no snapshot and no block job%n",
                p.domainName());
        System.out.println("steps:");
        System.out.printf("  1 claim     hold %s with QEMU's image locks (starting %s fails on a \"write\" lock"
                + " until step 3), claim %s%n", p.source(), p.domainName(), p.target());
        System.out.printf("  2 clone     %s -> %s with %s (%s), %s, written as %s and linked into place%n",
                p.source(), p.target(), p.cloner(), p.clonerReason(), limit, p.partialTarget());
        System.out.printf("  3 define    virDomainDefineXML of %s's persistent XML with %s on %s, then let go of %s:"
                + " the point of no return%n", p.domainName(), p.diskTarget(), p.target(), p.source());
        System.out.printf("  4 cleanup   %s%n", p.keepSource() ? "keep " + p.source() : "delete " + p.source());
        System.out.println("a failure or cancel before step 3 rolls back: " + p.target() + " is deleted and "
                + p.domainName() + " stays defined on " + p.source() + ", untouched.");
    }
}
