package dev.noexcuses.platform.console;

import dev.noexcuses.common.files.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A browser test's platform data directory: a few hundred MB, deleted when the platform started and
 * every test of the class passed, kept otherwise, so the services' logs under it are there to read.
 */
final class TestDataDir implements TestWatcher {
    private Path dir;
    private volatile boolean started;
    private volatile boolean failed;

    Path create(String prefix) throws IOException {
        dir = Files.createTempDirectory(prefix);
        return dir;
    }

    /** The platform on this directory is up: a set-up that never gets here keeps its logs. */
    void started() {
        started = true;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed = true;
    }

    /** Deletes the directory, or says where it is kept. A failure to delete it is not the test's. */
    void close() {
        if (dir == null) {
            return;
        }
        if (failed || !started) {
            System.err.println((failed ? "A test failed" : "The platform did not start")
                    + ": its data and logs are kept in " + dir);
            return;
        }
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            System.err.println("Left " + dir + " behind: " + e);
        }
    }
}
