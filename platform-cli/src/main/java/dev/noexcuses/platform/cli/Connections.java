package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.infra.trino.TrinoAccess;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.platform.verify.LakeStores;
import dev.noexcuses.platform.verify.Reconciler;
import dev.noexcuses.platform.verify.SearchIndexStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the infrastructure a command outside the running platform should use: what is configured,
 * else the embedded servers of the platform running on the same data directory.
 */
final class Connections {
    /** How long a command waits for a platform that is still starting on its data directory. */
    static final java.time.Duration STARTING_PLATFORM_WAIT = java.time.Duration.ofMinutes(10);

    private Connections() {}

    static Config resolve(ConfigOptions options) throws IOException, InterruptedException {
        Config config = options.load();
        Optional<RuntimeState> state = RuntimeState.awaitStarted(options.dataDir(config), System.err,
                STARTING_PLATFORM_WAIT);
        Map<String, String> fromRunning = new LinkedHashMap<>();
        state.ifPresent(s -> s.serviceConfig().forEach((key, value) -> {
            // What the user configured wins; the running platform fills in the embedded servers.
            if (!config.hasPath(key) || config.getString(key).isBlank()) {
                fromRunning.put(key, value);
            }
        }));
        Config resolved = ConfigFactory.parseMap(fromRunning).withFallback(config);
        if (resolved.getString("kafka.bootstrap-servers").isBlank()) {
            throw new IllegalStateException("No Kafka configured: set kafka.bootstrap-servers (--set or platform.conf) "
                    + "or start ./platform up on this data directory");
        }
        return resolved;
    }

    /**
     * The Trino to query: {@code trino.url} when configured, else the one the platform running on the same data
     * directory started. Says what to do when there is none.
     */
    static TrinoAccess trino(ConfigOptions options) throws IOException {
        Config config = options.load();
        if (!config.getString("trino.url").isBlank()) {
            return TrinoAccess.from(config);
        }
        Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive);
        if (state.isEmpty()) {
            throw new IllegalStateException("No Trino: start the platform (./platform up) on this data directory, or "
                    + "set trino.url (--set or platform.conf)");
        }
        String url = state.get().serviceConfig().getOrDefault("trino.url", "");
        if (url.isBlank()) {
            String why = state.get().components().stream().filter(c -> c.name().equals("trino")).findFirst()
                    .map(c -> c.endpoints().containsKey("missing")
                            ? "it cannot run here: " + c.endpoints().get("missing") + ". " + c.endpoints().get("fix")
                            : "it is still starting (./platform status shows when it is up)")
                    .orElse("it is not enabled (local-infra.trino.enabled)");
            throw new IllegalStateException("The platform on " + options.dataDir(config) + " has no Trino yet: " + why);
        }
        // The embedded server takes any user name: the configured one (trino.user) is used.
        return TrinoAccess.from(ConfigFactory.parseMap(Map.of("trino.url", url)).withFallback(config));
    }

    /** The stores downstream of events.enriched that verify checks, as far as they are part of this build. */
    static List<Reconciler.DownstreamStore> downstreamStores(Config config) {
        List<Reconciler.DownstreamStore> stores = new ArrayList<>();
        if (!config.getString("opensearch.url").isBlank()) {
            stores.add(new SearchIndexStore(config));
        }
        // The catalog is what makes a lake; a blank s3.endpoint is AWS S3 itself, not "no lake".
        if (!config.getString("postgres.jdbc-url").isBlank()) {
            stores.add(LakeStores.enrichedEvents(config));
        }
        return stores;
    }
}
