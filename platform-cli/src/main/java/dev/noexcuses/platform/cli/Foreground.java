package dev.noexcuses.platform.cli;

import dev.noexcuses.common.lifecycle.CleanStop;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.platform.runtime.PlatformRuntime;

/** Keeps a started platform in the foreground until Ctrl-C or SIGTERM, then stops it cleanly. */
final class Foreground {
    private Foreground() {}

    /** Waits for Ctrl-C or SIGTERM, then stops {@code running} cleanly (see {@link CleanStop}). */
    static void waitForShutdown(AutoCloseable running) throws InterruptedException {
        CleanStop.awaitSignalThen(() -> {
            System.out.println();
            System.out.println("Stopping the platform...");
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("Error while stopping: " + e);
            }
            System.out.println("Stopped.");
        });
    }

    /** Where to run SQL: Trino when it is up, else when it will be or why it is not. */
    private static String sqlHint(PlatformRuntime runtime) {
        var infra = runtime.infra();
        var ready = infra.component("trino");
        if (ready.isPresent() && ready.get() instanceof dev.noexcuses.infra.trino.MissingTrino missing) {
            return "Trino is not running: " + missing.missing() + ". " + missing.fix();
        }
        String example = "./platform sql \"SELECT count(*) FROM raw.enriched_events\"";
        if (ready.isPresent()) {
            return example + "   (Trino " + ready.get().connectionDetails().get("jdbc_url") + ", docs/querying.md)";
        }
        return infra.startingComponents().stream().filter(c -> c.name().equals("trino")).findFirst()
                .map(c -> example + "   (Trino " + c.connectionDetails().get("jdbc_url")
                        + " is still starting in the background: ./platform status shows when it is up)")
                .orElse("Trino is not enabled (local-infra.trino.enabled = false); set trino.url to use a cluster");
    }

    static void printWhereToLook(PlatformRuntime runtime) {
        System.out.println();
        System.out.println("The platform is up. Connection details:");
        Secrets.masked(runtime.connectionDetails()).forEach((k, v) -> System.out.printf("  %-28s %s%n", k, v));
        System.out.println("  (secrets masked: ./platform status --json --show-secrets prints them)");
        runtime.services().forEach(s -> s.endpoints().forEach((k, v) ->
                System.out.printf("  %-28s %s%n", s.name() + "." + k, v)));
        System.out.println("Where to look next:");
        runtime.consoleUrl().ifPresent(url -> System.out.println("  console         " + url
                + " (pipeline, live and batch analytics, failed events, lake, alerts; log in as admin, see docs/console.md)"));
        runtime.consoleUrl().ifPresent(url -> System.out.println("  demo shop       " + url
                + "/shop/ (allow analytics, click around, log in: docs/capturing-clicks-and-logins.md)"));
        System.out.println("  alerts          ./platform alerts list, ./platform alerts history (docs/alerting.md)");
        System.out.println("  live events     OpenSearch indices events-enriched-* and events-failed-* at the opensearch.url above");
        System.out.println("  lake tables     raw.enriched_events, raw.failed_events (./platform lake tables)");
        System.out.println("  SQL             " + sqlHint(runtime));
        System.out.println("  reconciliation  ./platform verify");
        System.out.println("  DAG runs        ./platform dags runs (and the console's Runs page)");
        System.out.println("  models          ./platform models list, ./platform runs experiments (console: Experiments, Models; docs/models.md)");
        System.out.println("Logs: " + System.getProperty("platform.log.dir", "data/logs")
                + "   Status: ./platform status   Stop: Ctrl-C (or ./platform down)");
    }
}
