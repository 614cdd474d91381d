package io.blockshift.worker;

import io.blockshift.workflows.SearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc.OperatorServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds blockshift's {@link SearchAttributes} to the worker's namespace when they are missing, so a
 * stock {@code temporal server start-dev} needs no {@code --search-attribute} flags. Until they
 * exist the server rejects every MigrateDisk's first workflow task (BadSearchAttributes), so the
 * migration waits at its start, having changed nothing.
 */
public final class SearchAttributeRegistration {

    private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistration.class);
    private static final long DEADLINE_SECONDS = 10;

    private SearchAttributeRegistration() {
    }

    /**
     * Adds those of blockshift's search attributes that the client's namespace lacks. Never throws:
     * when the server refuses (Temporal Cloud does not take this call), it logs one line saying how
     * to add them by hand, and the worker runs on.
     */
    public static void ensureRegistered(WorkflowClient client) {
        String namespace = client.getOptions().getNamespace();
        // Same target, TLS and headers as the client's own connection.
        OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
                OperatorServiceStubsOptions.newBuilder(client.getWorkflowServiceStubs().getOptions()).build());
        try {
            List<SearchAttributeKey<String>> added = new ArrayList<>();
            for (SearchAttributeKey<String> key : missing(operator, namespace)) {
                if (add(operator, namespace, key)) {
                    added.add(key);
                }
            }
            if (!added.isEmpty()) {
                log.info("added search attributes {} to namespace '{}'", names(added), namespace);
            }
        } catch (StatusRuntimeException refused) {
            log.warn("could not add search attributes {} (Keyword) to namespace '{}' ({}: {}); until they exist, migrations"
                    + " wait at their start and change nothing. Add them once: on Temporal Cloud with tcld namespace"
                    + " search-attributes add --namespace {} {} (or in the Cloud UI, the namespace's Custom Search"
                    + " Attributes); on a self-hosted server with temporal operator search-attribute create --namespace {} {}",
                    names(SearchAttributes.ALL), namespace, refused.getStatus().getCode(),
                    refused.getStatus().getDescription(), namespace,
                    flags("--search-attribute", "=Keyword"), namespace, flags("--name", " --type Keyword"));
        } finally {
            operator.shutdownNow();
        }
    }

    /**
     * Those not yet in the namespace, by the server's list; all of them where it has no list
     * (the SDK's in-memory test server only adds).
     */
    private static List<SearchAttributeKey<String>> missing(OperatorServiceStubs operator, String namespace) {
        Map<String, IndexedValueType> existing;
        try {
            existing = stub(operator).listSearchAttributes(
                    ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build()).getCustomAttributesMap();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
                throw e;
            }
            return SearchAttributes.ALL;
        }
        List<SearchAttributeKey<String>> missing = new ArrayList<>();
        for (SearchAttributeKey<String> key : SearchAttributes.ALL) {
            IndexedValueType type = existing.get(key.getName());
            if (type == null) {
                missing.add(key);
            } else if (type != key.getValueType()) {
                log.warn("search attribute {} in namespace '{}' is {}, not Keyword: workflow list --query may not find"
                        + " blockshift's migrations by it", key.getName(), namespace, type);
            }
        }
        return missing;
    }

    /** Adds one attribute; false when it was there already (another worker added it first). */
    private static boolean add(OperatorServiceStubs operator, String namespace, SearchAttributeKey<String> key) {
        try {
            stub(operator).addSearchAttributes(AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putSearchAttributes(key.getName(), key.getValueType())
                    .build());
            return true;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
            return false;
        }
    }

    private static OperatorServiceBlockingStub stub(OperatorServiceStubs operator) {
        return operator.blockingStub().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private static String names(List<SearchAttributeKey<String>> keys) {
        return keys.stream().map(SearchAttributeKey::getName).collect(Collectors.joining(", "));
    }

    /** One {@code flag} per attribute: {@code --name BlockshiftDomain --type Keyword --name BlockshiftDisk ...}. */
    private static String flags(String flag, String afterName) {
        return SearchAttributes.ALL.stream().map(key -> flag + " " + key.getName() + afterName)
                .collect(Collectors.joining(" "));
    }
}
