package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.loader.batch.BatchLoader;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Public default secrets are accepted on loopback only: a service told to listen on any other
 * address while a secret it uses still has its default refuses to start, and names the setting.
 */
class DefaultSecretsTest {
    /** Nothing listens there: the refusals come before any connection is tried. */
    private static final String NO_KAFKA = "127.0.0.1:1";

    @Test
    void theCollectorOnAPublicAddressRefusesTheDefaultWriteKeyAndNamesTheSetting() {
        Config config = config(Map.of("collector.host", "0.0.0.0", "collector.port", "0"));
        assertThatThrownBy(() -> CollectorServer.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("collector.write-keys[0].key")
                .hasMessageContaining("0.0.0.0");
    }

    @Test
    void theCollectorOnAPublicAddressStartsWithItsOwnWriteKey() throws Exception {
        Config config = ConfigFactory.parseString(
                "collector.write-keys = [{ key = \"a-key-of-our-own-7f3c\", sources = [\"web-shop\"] }]")
                .withFallback(config(Map.of("collector.host", "0.0.0.0", "collector.port", "0",
                        "collector.admin.port", "-1")));
        try (CollectorServer collector = CollectorServer.start(config)) {
            // It listens and answers: a request without a write key is refused as unauthenticated.
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + collector.port() + "/v1/events")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theEnricherWithAPublicAdminAddressRefusesTheDefaultPseudonymisationKey() {
        Config config = config(Map.of("enricher.admin.host", "0.0.0.0", "enricher.admin.port", "0"));
        assertThatThrownBy(() -> EnricherApp.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("enricher refuses to start")
                .hasMessageContaining("pseudonymisation.key");
    }

    @Test
    void theRealtimeLoaderWithAPublicAdminAddressRefusesTheDefaultPseudonymisationKey() {
        Config config = config(Map.of("realtime-loader.admin.host", "0.0.0.0", "realtime-loader.admin.port", "0",
                "opensearch.url", "http://127.0.0.1:1"));
        assertThatThrownBy(() -> RealtimeLoader.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pseudonymisation.key");
    }

    @Test
    void theBatchLoaderWithAPublicAdminAddressNamesEveryDefaultSecretItUses() {
        Config config = config(Map.of("batch-loader.admin.host", "0.0.0.0", "batch-loader.admin.port", "0",
                "pseudonymisation.key", "our-own-pseudonymisation-key"));
        assertThatThrownBy(() -> BatchLoader.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("postgres.password")
                .hasMessageContaining("s3.secret-key")
                .message().doesNotContain("pseudonymisation.key");
    }

    @Test
    void apisOnAPublicAddressWithoutATokenRefuseToStartAndNameTheirTokenSetting() {
        // Nothing listens on the Redis and PostgreSQL given: the refusals come before any connection.
        Map<String, String> noServers = Map.of("redis.url", "redis://127.0.0.1:1", "postgres.jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/platform", "postgres.password", "our-own-postgres-password");
        Map<String, String> scores = new HashMap<>(noServers);
        scores.putAll(Map.of("ml-pipelines.scores.host", "0.0.0.0", "ml-pipelines.scores.port", "0"));
        assertThatThrownBy(() -> dev.noexcuses.ml.scores.ScoresServer.start(config(scores)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scores-api refuses to start")
                .hasMessageContaining("ml-pipelines.scores.token");
        Map<String, String> features = new HashMap<>(noServers);
        features.putAll(Map.of("feature-store.online.host", "0.0.0.0", "feature-store.online.port", "0"));
        assertThatThrownBy(() -> dev.noexcuses.features.online.FeatureServer.start(config(features),
                dev.noexcuses.features.definition.FeatureRegistry.shipped()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("feature-store.online.token");
        Map<String, String> gateway = new HashMap<>(noServers);
        gateway.putAll(Map.of("serving.gateway.host", "0.0.0.0", "serving.gateway.port", "0"));
        assertThatThrownBy(() -> dev.noexcuses.serving.gateway.ServingGateway.start(config(gateway)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serving.gateway.token");
    }

    @Test
    void embeddedPostgresOnAPublicAddressRefusesTheDefaultPassword() {
        LocalInfra infra = LocalInfra.forTests(PlatformConfig.defaults(Map.of("local-infra.host", "0.0.0.0")));
        try {
            assertThatThrownBy(() -> infra.start("postgres", "s3"))
                    .hasMessageContaining("postgres.password")
                    .hasMessageContaining("s3.secret-key");
        } finally {
            infra.close();
        }
    }

    private static Config config(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("kafka.bootstrap-servers", NO_KAFKA);
        return PlatformConfig.defaults(all);
    }
}
