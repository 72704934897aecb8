package dev.noexcuses.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EnvelopeMetadataTest {
    @Test
    void theEnvelopesCollectorObjectIsWhatThePlatformsMapperMakesOfTheMetadata() {
        CollectorMetadata full = new CollectorMetadata(Instant.parse("2026-12-02T07:01:02.123456789Z"), "host-1",
                "req-1", "203.0.113.7", "Mozilla/5.0", "web-shop,mobile-app", "rest");
        CollectorMetadata sparse = new CollectorMetadata(Instant.parse("2026-12-02T07:01:02Z"), "host-1", "req-2",
                null, null, "", "grpc");

        for (CollectorMetadata metadata : new CollectorMetadata[] {full, sparse}) {
            JsonNode mapped = Json.mapper().valueToTree(metadata);
            assertThat(EventIntake.metadataNode(metadata)).isEqualTo(mapped);
            assertThat(Json.toText(EventIntake.metadataNode(metadata))).isEqualTo(Json.toText(mapped));
        }
    }
}
