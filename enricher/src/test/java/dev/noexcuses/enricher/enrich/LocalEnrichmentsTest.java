package dev.noexcuses.enricher.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.KafkaTestSupport;
import dev.noexcuses.enricher.geo.MmdbWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalEnrichmentsTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheUserAgentIntoBrowserOsAndDevice() {
        Event event = pageView("81.2.69.160");
        new UserAgentEnrichment(100).apply(event);

        JsonNode found = event.enrichments();
        assertThat(found.at("/user_agent/browser").asText()).isEqualTo("Chrome");
        assertThat(found.at("/user_agent/browser_version").asText()).isEqualTo("120.0");
        assertThat(found.at("/user_agent/os").asText()).isEqualTo("Windows");
        assertThat(found.at("/user_agent/device").asText()).isEqualTo("Other");
    }

    @Test
    void countsTheUserAgentAndGeoIpCachesHitsAndMissesInTheChainsMetrics() throws Exception {
        Path db = dir.resolve("city.mmdb");
        MmdbWriter.writeCityDatabase(db, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "United Kingdom", "England", "London", 51.5142, -0.0931)));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GeoIpEnrichment geo = GeoIpEnrichment.open(List.of(db), 100)) {
            EnrichmentChain chain = new EnrichmentChain(List.of(new UserAgentEnrichment(100), geo), meters,
                    Clock.systemUTC());
            // One user agent throughout; two addresses, the first seen twice.
            for (String ip : List.of("81.2.69.160", "81.2.69.160", "81.2.69.7")) {
                chain.enrich(pageView(ip));
            }
        }

        assertThat(gets(meters, "user-agent", "miss")).isEqualTo(1);
        assertThat(gets(meters, "user-agent", "hit")).isEqualTo(2);
        assertThat(gets(meters, "geoip", "miss")).isEqualTo(2);
        assertThat(gets(meters, "geoip", "hit")).isEqualTo(1);
    }

    private static double gets(SimpleMeterRegistry meters, String cache, String result) {
        return meters.get("cache.gets").tag("cache", cache).tag("result", result).functionCounter().count();
    }

    @Test
    void findsCountryRegionCityAndCoordinatesOfTheClientIpInAMaxMindCityDatabase() throws Exception {
        Path db = dir.resolve("city.mmdb");
        MmdbWriter.writeCityDatabase(db, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "United Kingdom", "England", "London", 51.5142, -0.0931),
                new MmdbWriter.Location("89.160.20.0/22", "SE", "Sweden", "Östergötland County", "Linköping",
                        58.4167, 15.6167),
                new MmdbWriter.Location("2.125.160.0/20", "GB", "United Kingdom", null)));

        try (GeoIpEnrichment geo = GeoIpEnrichment.open(List.of(db), 100)) {
            Event london = pageView("81.2.69.160");
            geo.apply(london);
            assertThat(london.enrichments().get("geo")).isEqualTo(Json.mapper().readTree("""
                    {"country_code": "GB", "country": "United Kingdom", "region": "England", "city": "London",
                     "location": {"lat": 51.5142, "lon": -0.0931}}"""));

            Event sweden = pageView("89.160.23.7");
            geo.apply(sweden);
            assertThat(sweden.enrichments().at("/geo/city").asText()).isEqualTo("Linköping");
            assertThat(sweden.enrichments().at("/geo/region").asText()).isEqualTo("Östergötland County");

            Event countryOnly = pageView("2.125.161.1");
            geo.apply(countryOnly);
            assertThat(countryOnly.enrichments().get("geo")).isEqualTo(Json.mapper().readTree("""
                    {"country_code": "GB", "country": "United Kingdom"}"""));

            for (String unknown : List.of("10.0.0.1", "example.com", "10.0.0.1", "2001:db8::1")) {
                Event event = pageView(unknown);
                geo.apply(event);
                assertThat(event.enrichments().has("geo")).as(unknown).isFalse();
            }
        }
    }

    @Test
    void readsTheDbIpLiteLayoutWithCountryNamesFromTheCode() throws Exception {
        Path db = dir.resolve("dbip-city-ipv4.mmdb");
        MmdbWriter.writeCityDatabase(db, MmdbWriter.Layout.DBIP_CITY, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "-", "England", "London", 51.5143, -0.0912244),
                new MmdbWriter.Location("203.0.113.0/24", "JP", "-", null, null, null, null)));

        try (GeoIpEnrichment geo = GeoIpEnrichment.open(List.of(db), 100)) {
            Event london = pageView("81.2.69.142");
            geo.apply(london);
            // Single-precision coordinates come out in their short decimal form.
            assertThat(london.enrichments().get("geo")).isEqualTo(Json.mapper().readTree("""
                    {"country_code": "GB", "country": "United Kingdom", "region": "England", "city": "London",
                     "location": {"lat": 51.5143, "lon": -0.0912244}}"""));

            Event japan = pageView("203.0.113.5");
            geo.apply(japan);
            assertThat(japan.enrichments().get("geo")).isEqualTo(Json.mapper().readTree("""
                    {"country_code": "JP", "country": "Japan"}"""));

            // An IPv4-only database does not answer for IPv6 addresses.
            Event v6 = pageView("2001:4860:4860::8888");
            geo.apply(v6);
            assertThat(v6.enrichments().has("geo")).isFalse();
        }
    }

    @Test
    void replacesConfiguredPersonalDataWithAKeyedHmac() throws Exception {
        var pseudonymise = new PseudonymisationEnrichment("secret", List.of("user_id", "collector.client_ip",
                "data.email", "data.contact.phone"), dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC);
        EventEnvelope sent = KafkaTestSupport.event("com.webshop/signup/1-0-0", """
                {"method": "password", "email": "ann@example.com", "contact": {"phone": "+44 20"}}""");
        Event event = Event.of(sent);

        pseudonymise.apply(event);
        EventEnvelope out = Json.fromBytes(event.toBytes(), EventEnvelope.class);

        assertThat(out.userId()).hasSize(32).isNotEqualTo(sent.userId()).isEqualTo(pseudonymise.hmac(sent.userId()));
        assertThat(out.collector().clientIp()).isEqualTo(pseudonymise.hmac("81.2.69.160"));
        assertThat(out.data().get("email").asText()).isEqualTo(pseudonymise.hmac("ann@example.com"));
        assertThat(out.data().at("/contact/phone").asText()).isEqualTo(pseudonymise.hmac("+44 20"));
        assertThat(out.data().get("method").asText()).isEqualTo("password");
        assertThat(out.eventTime()).isEqualTo(sent.eventTime());
        assertThat(out.enrichments().get("pseudonymised")).hasSize(4);
        assertThat(new PseudonymisationEnrichment("other key", List.of("user_id"),
                dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC).hmac(sent.userId())).isNotEqualTo(out.userId());
    }

    @Test
    void truncatesTheClientIpWhenConfiguredTo() {
        var truncate = new PseudonymisationEnrichment("secret", List.of("collector.client_ip"),
                dev.noexcuses.common.privacy.Pseudonymiser.IpMode.TRUNCATE);
        Event v4 = pageView("81.2.69.160");
        truncate.apply(v4);
        assertThat(v4.collector("client_ip")).hasValue("81.2.69.0");
        Event v6 = pageView("2001:db8:85a3:1:2:3:4:5");
        truncate.apply(v6);
        assertThat(v6.collector("client_ip")).hasValue("2001:db8:85a3:0:0:0:0:0");
    }

    private static Event pageView(String ip) {
        EventEnvelope e = KafkaTestSupport.event("com.webshop/page_view/1-0-0", "{\"url\": \"/\", \"page_type\": \"home\"}");
        CollectorMetadata c = e.collector();
        return Event.of(new EventEnvelope(e.eventId(), e.schema(), e.eventTime(), e.source(), e.userId(),
                e.anonymousId(), e.data(), new CollectorMetadata(c.receivedAt(), c.collectorHost(), c.requestId(), ip,
                c.userAgent(), c.authenticatedSource(), c.transport()), null));
    }
}
