package io.blockshift.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.blockshift.workflows.SearchAttributes;
import io.temporal.testing.TestWorkflowEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Registration against the SDK's in-memory test server, which {@code migrate} falls back to when
 * the {@code temporal} CLI is missing: it has no list of search attributes, only the add call.
 */
class SearchAttributeRegistrationTest {

    @Test
    void theWorkerRegistersEveryAttributeOnTheInMemoryServerAndASecondTimeChangesNothing() {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            SearchAttributeRegistration.ensureRegistered(env.getWorkflowClient());
            SearchAttributeRegistration.ensureRegistered(env.getWorkflowClient());

            // registerSearchAttribute answers false when the attribute is already there.
            SearchAttributes.registerWith((name, type) -> assertFalse(env.registerSearchAttribute(name, type), name));
        }
    }
}
