package dev.noexcuses.common.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PseudonymiserTest {
    private final Pseudonymiser pseudonymiser = new Pseudonymiser("test-key",
            List.of("collector.client_ip", "user_id", "data.email"), Pseudonymiser.IpMode.HMAC);

    @Test
    void aFailedEventsPayloadAndContextKeepNoEmailOrIpButKeepTheirShape() {
        String payload = """
                {"event_id":"e1","event_time":"2026-12-01T10:00:00Z","user_id":"u-42",
                 "collector":{"client_ip":"81.2.69.142","user_agent":"Mozilla/5.0"},
                 "data":{"contact":"write to jane@example.com","ip6":"2001:db8::7","at":"10:00:00","v":"1.2.3"}}""";
        FailedEvent failed = FailedEvent.ofText(FailureType.SCHEMA_VIOLATION, "enricher",
                List.of(new FailureError("$.data.method", "bad")), "e1", payload, Instant.now(),
                Map.of("client_ip", "81.2.69.142", "schema", "com.webshop/signup/1-0-0"));

        FailedEvent shown = pseudonymiser.forAnalysts(failed);

        assertThat(shown.payload()).doesNotContain("jane@example.com", "81.2.69.142", "2001:db8::7", "u-42")
                .contains(pseudonymiser.hmac("jane@example.com"), pseudonymiser.hmac("81.2.69.142"),
                        pseudonymiser.hmac("u-42"), "\"2026-12-01T10:00:00Z\"", "\"10:00:00\"", "\"1.2.3\"",
                        "Mozilla/5.0");
        assertThat(shown.context()).containsEntry("client_ip", pseudonymiser.hmac("81.2.69.142"))
                .containsEntry("schema", "com.webshop/signup/1-0-0");
        assertThat(shown.eventId()).isEqualTo("e1");
    }

    @Test
    void textThatIsNotJsonIsSweptAndBinaryPayloadsAreWithheld() {
        FailedEvent text = FailedEvent.ofText(FailureType.PAYLOAD_FORMAT, "collector", List.of(), null,
                "{\"email\": \"jane@example.com\", \"ip\": \"81.2.69.142\"", Instant.now(), Map.of());
        assertThat(pseudonymiser.forAnalysts(text).payload()).doesNotContain("jane@example.com", "81.2.69.142");

        FailedEvent binary = FailedEvent.ofBinary(FailureType.PAYLOAD_FORMAT, "collector", List.of(), null,
                "jane@example.com".getBytes(StandardCharsets.UTF_8), 100, Instant.now(), Map.of());
        FailedEvent shown = pseudonymiser.forAnalysts(binary);
        assertThat(shown.payload()).isNull();
        assertThat(shown.payloadEncoding()).isEqualTo(Pseudonymiser.WITHHELD);
    }

    @Test
    void fieldsTheSchemaMarksAsPersonalAreReplacedAndPseudonymsAreNotReplacedTwice() {
        String enriched = """
                {"event_id":"e2","user_id":"%s","data":{"phone":"+44 20 7946 0000"},
                 "enrichments":{"pseudonymised":["user_id"]}}""".formatted(pseudonymiser.hmac("u-7"));
        FailedEvent loaderFailure = FailedEvent.ofText(FailureType.LOADER_FAILURE, "realtime-loader", List.of(), "e2",
                enriched, Instant.now(), Map.of());
        assertThat(pseudonymiser.forAnalysts(loaderFailure).payload()).contains(pseudonymiser.hmac("u-7"));

        FailedEvent marked = FailedEvent.ofText(FailureType.SCHEMA_VIOLATION, "enricher", List.of(), "e3",
                "{\"event_id\":\"e3\",\"data\":{\"phone\":\"+44 20 7946 0000\"}}", Instant.now(),
                Map.of(Pseudonymiser.PII_FIELDS_CONTEXT, "data.phone"));
        assertThat(pseudonymiser.forAnalysts(marked).payload()).doesNotContain("7946")
                .contains(pseudonymiser.hmac("+44 20 7946 0000"));
    }
}
