package io.blockshift.cloners;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/** Makes {@code @TempDir}s named {@code bs-test-...} in the temp directory; JUnit removes them. */
final class BsTestTempDir implements TempDirFactory {

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        return TestFiles.newDirectory(TestFiles.tmp());
    }
}
