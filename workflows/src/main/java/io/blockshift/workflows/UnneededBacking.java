package io.blockshift.workflows;

import java.util.List;

/**
 * A backing image of the old chain that the moved disk no longer needs, as clean-up found it.
 *
 * @param path the image
 * @param usedBy the defined domains (running or not) on the host whose disks still have it in their chain
 * @param deleted whether clean-up deleted it ({@code deleteUnusedBacking}, and nothing used it)
 */
public record UnneededBacking(String path, List<String> usedBy, boolean deleted) {

    public UnneededBacking {
        usedBy = usedBy == null ? List.of() : List.copyOf(usedBy);
    }

    /** Whether anything on the host still uses it. */
    public boolean stillUsed() {
        return !usedBy.isEmpty();
    }
}
