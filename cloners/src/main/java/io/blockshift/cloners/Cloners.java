package io.blockshift.cloners;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The cloners on the classpath, by name, and the choice {@code auto} makes among them. */
public final class Cloners {

    /** The name that asks blockshift to choose. */
    public static final String AUTO = "auto";

    /** What {@code auto} tries, in order: a copy-on-write clone first, then a sparse copy, then every byte. */
    private static final List<String> AUTO_PREFERENCE = List.of("reflink", "sparse", "plain");

    private final Map<String, Cloner> byName = new LinkedHashMap<>();

    private Cloners(Iterable<Cloner> cloners) {
        for (Cloner cloner : cloners) {
            byName.putIfAbsent(cloner.name(), cloner);
        }
    }

    /** Every cloner that {@link ServiceLoader} finds on the classpath. */
    public static Cloners discover() {
        return new Cloners(ServiceLoader.load(Cloner.class, Cloners.class.getClassLoader()));
    }

    public static Cloners of(Cloner... cloners) {
        return new Cloners(List.of(cloners));
    }

    /** The known names, {@code auto} first. */
    public List<String> names() {
        var names = new ArrayList<String>();
        names.add(AUTO);
        names.addAll(byName.keySet());
        return names;
    }

    public Map<String, Cloner> all() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    public boolean knows(String name) {
        return AUTO.equals(name) || byName.containsKey(name);
    }

    /**
     * The cloner to use for {@code requested}, with the reason it was chosen.
     *
     * @throws IllegalArgumentException naming the known cloners when {@code requested} is unknown,
     *     or saying why the requested one cannot work here
     */
    public Choice choose(String requested, Path source, Path targetDirectory) {
        if (AUTO.equals(requested)) {
            List<String> passedOver = new ArrayList<>();
            for (String name : AUTO_PREFERENCE) {
                Cloner cloner = byName.get(name);
                if (cloner == null) {
                    continue;
                }
                Suitability suitability = cloner.suitability(source, targetDirectory);
                if (suitability.suitable()) {
                    return new Choice(cloner, "auto: " + name + ": " + suitability.reason()
                            + (passedOver.isEmpty() ? "" : " (" + String.join("; ", passedOver) + ")"));
                }
                passedOver.add(name + ": " + suitability.reason());
            }
            throw new IllegalArgumentException("no cloner can copy " + source + " into " + targetDirectory
                    + (passedOver.isEmpty() ? "" : ": " + String.join("; ", passedOver)));
        }
        Cloner cloner = byName.get(requested);
        if (cloner == null) {
            throw new IllegalArgumentException("unknown cloner '" + requested + "'; known cloners: " + String.join(", ", names()));
        }
        Suitability suitability = cloner.suitability(source, targetDirectory);
        if (!suitability.suitable()) {
            List<String> instead = AUTO_PREFERENCE.stream()
                    .filter(name -> !name.equals(requested) && byName.containsKey(name))
                    .filter(name -> byName.get(name).suitability(source, targetDirectory).suitable())
                    .toList();
            throw new IllegalArgumentException("cloner '" + requested + "' cannot copy " + source + " into "
                    + targetDirectory + ": " + suitability.reason()
                    + (instead.isEmpty() ? "" : "; use --cloner " + String.join(" or ", instead) + " instead"));
        }
        return new Choice(cloner, "requested: " + requested + ": " + suitability.reason());
    }

    /** A cloner and why it was chosen. */
    public record Choice(Cloner cloner, String reason) {
    }
}
