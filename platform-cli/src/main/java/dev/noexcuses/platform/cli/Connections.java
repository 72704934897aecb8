package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
    private Connections() {}

    static Config resolve(ConfigOptions options) throws IOException {
        Config config = options.load();
        Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive);
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

    /** The stores downstream of events.enriched that verify checks, as far as they are part of this build. */
    static List<Reconciler.DownstreamStore> downstreamStores(Config config) {
        List<Reconciler.DownstreamStore> stores = new ArrayList<>();
        if (!config.getString("opensearch.url").isBlank()) {
            stores.add(new SearchIndexStore(config));
        }
        if (!config.getString("postgres.jdbc-url").isBlank() && !config.getString("s3.endpoint").isBlank()) {
            stores.add(LakeStores.enrichedEvents(config));
        }
        return stores;
    }
}
