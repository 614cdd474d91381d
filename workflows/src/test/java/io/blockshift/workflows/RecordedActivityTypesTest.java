package io.blockshift.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The activity types in the recorded histories are the constants on {@link MigrationActivities}
 * and {@link FleetActivities}, which the audit reads: renaming an activity method, or its
 * constant, breaks this test rather than the audit of every migration recorded before.
 */
class RecordedActivityTypesTest {

    /** Types no recorded history schedules: the fleet's histories were recorded with lists of disks, not a selector. */
    static final Set<String> NEVER_RECORDED = Set.of(FleetActivities.EXPAND);

    @Test
    void theActivityTypesTheWorkerRegistersAreTheConstants() {
        assertEquals(constants(MigrationActivities.class), registered(MigrationActivities.class));
        assertEquals(constants(FleetActivities.class), registered(FleetActivities.class));
    }

    @Test
    void theRecordedHistoriesScheduleExactlyTheConstants() throws Exception {
        Set<String> recorded = new TreeSet<>();
        for (String history : Histories.under(Histories.ROOT)) {
            recorded.addAll(Histories.activityTypes(Histories.ROOT + "/" + history));
        }
        Set<String> expected = new TreeSet<>(constants(MigrationActivities.class));
        expected.addAll(constants(FleetActivities.class));
        expected.removeAll(NEVER_RECORDED);

        assertEquals(expected, recorded);
    }

    /** The String constants {@code activities} declares. */
    private static Set<String> constants(Class<?> activities) {
        Set<String> names = new TreeSet<>();
        for (Field field : activities.getDeclaredFields()) {
            if (field.getType() == String.class && Modifier.isStatic(field.getModifiers())) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return names;
    }

    /** The activity types the SDK registers for {@code activities}, as a worker does. */
    private static Set<String> registered(Class<?> activities) {
        Set<String> names = new TreeSet<>();
        for (POJOActivityMethodMetadata method : POJOActivityInterfaceMetadata.newInstance(activities).getMethodsMetadata()) {
            names.add(method.getActivityTypeName());
        }
        return names;
    }
}
