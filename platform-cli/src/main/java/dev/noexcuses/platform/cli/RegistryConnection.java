package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.registry.client.RegistryClient;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How {@code ./platform models} and {@code ./platform runs} reach the registry: {@code --url}, else
 * {@code model-registry.client.url}, else the registry the platform on the data directory runs; as the
 * user of {@code --token}, else {@code MODEL_REGISTRY_TOKEN} / {@code model-registry.client.token}.
 */
final class RegistryConnection {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    @Mixin
    ConfigOptions options;

    @Option(names = "--url", description = "The registry's URL (default: the running platform's, or model-registry.client.url).")
    String url;

    @Option(names = "--token", description = "Your bearer token (default: env MODEL_REGISTRY_TOKEN or model-registry.client.token).")
    String token;

    RegistryClient client() throws IOException {
        Config config = options.load();
        String base = url != null ? url : config.getString("model-registry.client.url");
        if (base.isBlank()) {
            Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive);
            base = state.flatMap(s -> s.components().stream().filter(c -> c.name().equals("model-registry")).findFirst())
                    .map(c -> c.endpoints().getOrDefault("mlflow", ""))
                    .orElse("");
            if (base.isBlank()) {
                throw new IllegalStateException("No model registry: start ./platform up on " + options.dataDir(config)
                        + ", or give --url (or model-registry.client.url)");
            }
        }
        return RegistryClient.create(URI.create(base), token != null ? token : config.getString("model-registry.client.token"));
    }

    static String time(long epochMillis) {
        return epochMillis <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
    }
}
