package io.blockshift.workflows;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One failed disk of a fleet, as {@link FleetResult#failures()} and {@link FleetProgress#failures()}
 * carry it: one line, {@code "#INDEX DOMAIN/DISK: WHY"}. The line is the wire form (operators read
 * it in the result); {@link #line()} writes it and {@link #parse} reads it back, in this one place.
 *
 * @param index the disk's position in the fleet's list
 * @param domain the domain as the request named it
 * @param disk the disk as the request named it
 * @param why what went wrong, in the failure's own words
 */
public record FleetFailure(int index, String domain, String disk, String why) {

    private static final Pattern LINE = Pattern.compile("#(\\d+) ([^:]*): (.*)", Pattern.DOTALL);

    /** The failure as the fleet's result writes it. */
    public String line() {
        return "#" + index + " " + domain + "/" + disk + ": " + why;
    }

    /**
     * The failure a result's line names, or null when it is not one. A domain or disk holding
     * {@code ": "} cannot be told apart from the reason; {@link #why} then starts later than written.
     */
    public static FleetFailure parse(String line) {
        Matcher m = line == null ? null : LINE.matcher(line);
        if (m == null || !m.matches()) {
            return null;
        }
        String name = m.group(2);
        // libvirt refuses a '/' in a domain's name; the disk may be a path.
        int slash = name.indexOf('/');
        return new FleetFailure(Integer.parseInt(m.group(1)), slash < 0 ? name : name.substring(0, slash),
                slash < 0 ? "" : name.substring(slash + 1), m.group(3));
    }
}
