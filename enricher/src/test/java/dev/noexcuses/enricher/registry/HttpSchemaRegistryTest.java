package dev.noexcuses.enricher.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.validate.DataValidator;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The enricher resolving schemas from the enrichment API's static HTTP registry. */
class HttpSchemaRegistryTest {

    @Test
    void resolvesSchemasOverHttpCachesThemAndTellsUnknownFromUnavailable() throws Exception {
        EnrichmentApiServer api = EnrichmentApiServer.start(PlatformConfig.defaults(Map.of("enrichment-api.port", "0",
                "enrichment-api.host", "127.0.0.1", "enrichment-api.schemas-directory", "../schemas")));
        int port = api.port();
        ResolvedSchemas schemas = new ResolvedSchemas(new HttpSchemaSource(api.localUrl() + "/v1/schemas",
                Duration.ofSeconds(2)), Duration.ofMinutes(5), Duration.ofSeconds(30));
        SchemaRef search = SchemaRef.parse("com.webshop/search/1-0-0").orElseThrow();
        try {
            var schema = schemas.resolve(search);
            assertThat(DataValidator.validate(schema, Json.mapper().readTree("{\"query\": \"q\", \"results\": -1}")))
                    .singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("$.data.results"));
            assertThatThrownBy(() -> schemas.resolve(SchemaRef.parse("com.webshop/search/9-0-0").orElseThrow()))
                    .isInstanceOf(SchemaNotFoundException.class).hasMessageContaining("com.webshop/search/9-0-0");
        } finally {
            api.close();
        }

        assertThat(schemas.resolve(search)).as("cached while the registry is down").isNotNull();
        assertThatThrownBy(() -> schemas.resolve(SchemaRef.parse("com.webshop/login/1-0-0").orElseThrow()))
                .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("127.0.0.1:" + port);
    }
}
