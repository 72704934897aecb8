package dev.noexcuses.enricher.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.KafkaTestSupport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalEnrichmentsTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheUserAgentIntoBrowserOsAndDevice() {
        ObjectNode found = Json.mapper().createObjectNode();
        new UserAgentEnrichment(100).apply(pageView(), found);

        assertThat(found.at("/user_agent/browser").asText()).isEqualTo("Chrome");
        assertThat(found.at("/user_agent/browser_version").asText()).isEqualTo("120.0");
        assertThat(found.at("/user_agent/os").asText()).isEqualTo("Windows");
        assertThat(found.at("/user_agent/device").asText()).isEqualTo("Other");
    }

    @Test
    void findsCountryAndCityOfTheClientIpInAMaxMindDatabase() throws Exception {
        Path db = dir.resolve("city.mmdb");
        MmdbWriter.writeCityDatabase(db, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "United Kingdom", "London"),
                new MmdbWriter.Location("89.160.20.0/22", "SE", "Sweden", "Linköping"),
                new MmdbWriter.Location("2.125.160.0/20", "GB", "United Kingdom", null)));

        try (GeoIpEnrichment geo = GeoIpEnrichment.open(db)) {
            ObjectNode london = Json.mapper().createObjectNode();
            geo.apply(pageView(), london);
            assertThat(london.at("/geo/country_code").asText()).isEqualTo("GB");
            assertThat(london.at("/geo/country").asText()).isEqualTo("United Kingdom");
            assertThat(london.at("/geo/city").asText()).isEqualTo("London");

            ObjectNode sweden = Json.mapper().createObjectNode();
            geo.apply(withIp("89.160.23.7"), sweden);
            assertThat(sweden.at("/geo/city").asText()).isEqualTo("Linköping");

            ObjectNode unknown = Json.mapper().createObjectNode();
            geo.apply(withIp("10.0.0.1"), unknown);
            assertThat(unknown.has("geo")).isFalse();

            ObjectNode notAnIp = Json.mapper().createObjectNode();
            geo.apply(withIp("example.com"), notAnIp);
            assertThat(notAnIp.has("geo")).isFalse();
        }
    }

    @Test
    void replacesConfiguredPersonalDataWithAKeyedHmac() {
        var pseudonymise = new PseudonymisationEnrichment("secret", List.of("user_id", "collector.client_ip",
                "data.email", "data.contact.phone"), PseudonymisationEnrichment.IpMode.HMAC);
        EventEnvelope event = KafkaTestSupport.event("com.webshop/signup/1-0-0", """
                {"method": "password", "email": "ann@example.com", "contact": {"phone": "+44 20"}}""");
        ObjectNode found = Json.mapper().createObjectNode();

        EventEnvelope out = pseudonymise.apply(event, found);

        assertThat(out.userId()).hasSize(32).isNotEqualTo(event.userId()).isEqualTo(pseudonymise.hmac(event.userId()));
        assertThat(out.collector().clientIp()).isEqualTo(pseudonymise.hmac("81.2.69.160"));
        assertThat(out.data().get("email").asText()).isEqualTo(pseudonymise.hmac("ann@example.com"));
        assertThat(out.data().at("/contact/phone").asText()).isEqualTo(pseudonymise.hmac("+44 20"));
        assertThat(out.data().get("method").asText()).isEqualTo("password");
        assertThat(event.data().get("email").asText()).as("the input is not changed").isEqualTo("ann@example.com");
        assertThat(found.get("pseudonymised")).hasSize(4);
        assertThat(new PseudonymisationEnrichment("other key", List.of("user_id"),
                PseudonymisationEnrichment.IpMode.HMAC).hmac(event.userId())).isNotEqualTo(out.userId());
    }

    @Test
    void truncatesTheClientIpWhenConfiguredTo() {
        var truncate = new PseudonymisationEnrichment("secret", List.of("collector.client_ip"),
                PseudonymisationEnrichment.IpMode.TRUNCATE);
        assertThat(truncate.apply(pageView(), Json.mapper().createObjectNode()).collector().clientIp())
                .isEqualTo("81.2.69.0");
        assertThat(truncate.apply(withIp("2001:db8:85a3:1:2:3:4:5"), Json.mapper().createObjectNode())
                .collector().clientIp()).isEqualTo("2001:db8:85a3:0:0:0:0:0");
    }

    private static EventEnvelope pageView() {
        return KafkaTestSupport.event("com.webshop/page_view/1-0-0", "{\"url\": \"/\", \"page_type\": \"home\"}");
    }

    private static EventEnvelope withIp(String ip) {
        EventEnvelope e = pageView();
        var c = e.collector();
        return new EventEnvelope(e.eventId(), e.schema(), e.eventTime(), e.source(), e.userId(), e.anonymousId(),
                e.data(), new dev.noexcuses.common.event.CollectorMetadata(c.receivedAt(), c.collectorHost(),
                c.requestId(), ip, c.userAgent(), c.authenticatedSource(), c.transport()), null);
    }
}
