package dev.noexcuses.platform.cli;

import dev.noexcuses.platform.runtime.PlatformRuntime;
import java.util.concurrent.CountDownLatch;

/** Keeps a started platform in the foreground until Ctrl-C or SIGTERM, then stops it cleanly. */
final class Foreground {
    private Foreground() {}

    static void waitForShutdown(AutoCloseable running) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.out.println();
            System.out.println("Stopping the platform...");
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("Error while stopping: " + e);
            }
            System.out.println("Stopped.");
            stopped.countDown();
        }, "platform-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
    }

    static void printWhereToLook(PlatformRuntime runtime) {
        System.out.println();
        System.out.println("The platform is up. Connection details:");
        runtime.connectionDetails().forEach((k, v) -> System.out.printf("  %-28s %s%n", k, v));
        runtime.services().forEach(s -> s.endpoints().forEach((k, v) ->
                System.out.printf("  %-28s %s%n", s.name() + "." + k, v)));
        System.out.println("Where to look next:");
        System.out.println("  live events     OpenSearch indices events-enriched-* and events-failed-* at the opensearch.url above");
        System.out.println("  lake tables     raw.enriched_events, raw.failed_events (./platform lake tables)");
        System.out.println("  reconciliation  ./platform verify");
        System.out.println("Logs: " + System.getProperty("platform.log.dir", "data/logs")
                + "   Status: ./platform status   Stop: Ctrl-C (or ./platform down)");
    }
}
