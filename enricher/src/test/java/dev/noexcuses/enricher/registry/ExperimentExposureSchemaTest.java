package dev.noexcuses.enricher.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.validate.DataValidator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The serving gateway's exposure events pass the registry's schema, as the enricher validates them. */
class ExperimentExposureSchemaTest {
    private final ResolvedSchemas schemas = new ResolvedSchemas(new DirectorySchemaSource(Path.of("..", "schemas")),
            Duration.ofMinutes(1), Duration.ofMinutes(1));
    private final Schema exposure = schemas.resolve(SchemaRef.parse("dev.noexcuses/experiment_exposure/1-0-0").orElseThrow());

    @Test
    void acceptsAnExposureAsTheGatewaySendsIt() throws Exception {
        JsonNode data = Json.mapper().readTree("{\"experiment\":\"churn-8-vs-7\",\"arm\":\"treatment\",\"model\":\"churn\","
                + "\"version\":\"8\",\"ok\":true,\"latency_ms\":3.217}");

        assertThat(DataValidator.validate(exposure, data)).isEmpty();
    }

    @Test
    void rejectsAnUnknownArmAndAMissingLatency() throws Exception {
        JsonNode data = Json.mapper().readTree("{\"experiment\":\"churn-8-vs-7\",\"arm\":\"variant-c\",\"model\":\"churn\","
                + "\"ok\":true}");

        List<FailureError> errors = DataValidator.validate(exposure, data);

        assertThat(errors).extracting(FailureError::path).contains("$.data.arm", "$.data.latency_ms");
    }
}
