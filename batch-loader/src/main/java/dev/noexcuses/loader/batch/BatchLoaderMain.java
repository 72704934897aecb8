package dev.noexcuses.loader.batch;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.lifecycle.CleanStop;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the batch loader alone against configured infrastructure:
 * {@code java -cp ... dev.noexcuses.loader.batch.BatchLoaderMain [platform.conf]}; stops cleanly
 * (flushing what is buffered) on SIGTERM.
 */
public final class BatchLoaderMain {
    private BatchLoaderMain() {}

    public static void main(String[] args) throws InterruptedException {
        Optional<Path> file = args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty();
        BatchLoader loader = BatchLoader.start(PlatformConfig.load(file, Map.of()));
        CleanStop.awaitSignalThen(loader::close);
        System.exit(0);
    }
}
