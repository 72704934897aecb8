package dev.noexcuses.enricher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.tls.TrustedCertificates;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enrichment API over TLS, with a certificate from a certificate authority made for the test. */
class EnrichmentApiTlsTest {
    private static final String PURCHASE = """
            {"schema": "com.webshop/purchase/1-0-0", "data": {"order_id": "o1", "items": [
              {"product_id": "P0001", "quantity": 1}]}}""";

    @TempDir
    static Path dir;
    private static TestCertificateAuthority ca;
    private static EnrichmentApiServer api;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificateAuthority.create(dir);
        api = EnrichmentApiServer.start(PlatformConfig.defaults(Map.of(
                "enrichment-api.port", "0",
                "enrichment-api.schemas-directory", "../schemas",
                "enrichment-api.tls.cert-file", ca.serverCertificateChain().toString(),
                "enrichment-api.tls.key-file", ca.serverKey().toString())));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void aClientTrustingTheAuthorityGetsAnswersOverHttps() throws Exception {
        assertThat(api.localUrl()).startsWith("https://");
        HttpClient trusting = HttpClient.newBuilder().sslContext(TrustedCertificates.fromPem(ca.caCertificate()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(URI.create(api.localUrl() + "/v1/enrich"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PURCHASE)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Trail Runner");
    }

    @Test
    void theEnrichersClientWithTheCaFileEnrichesOverHttps() {
        try (EnrichmentApiClient client = new EnrichmentApiClient(settings(ca.caCertificate().toString()),
                new SimpleMeterRegistry())) {
            JsonNode answer = client.post("/v1/enrich", PURCHASE.getBytes(StandardCharsets.UTF_8));
            assertThat(answer.at("/products/0/name").asText()).isEqualTo("Trail Runner");
        }
    }

    @Test
    void clientsThatDoNotTrustTheAuthorityOrSpeakPlainHttpGetNothing() {
        HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> defaultTrust.send(HttpRequest.newBuilder(URI.create(api.localUrl() + "/healthz"))
                .GET().build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);

        try (EnrichmentApiClient client = new EnrichmentApiClient(settings(""), new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> client.post("/v1/enrich", PURCHASE.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(RuntimeException.class);
        }

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String httpUrl = api.localUrl().replace("https://", "http://") + "/healthz";
        boolean answered;
        try {
            answered = plain.send(HttpRequest.newBuilder(URI.create(httpUrl)).timeout(Duration.ofSeconds(10)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (Exception e) {
            answered = false;
        }
        assertThat(answered).as("plain HTTP answered on the TLS port").isFalse();
    }

    private static ApiSettings settings(String caFile) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("enricher.api.url", api.localUrl());
        overrides.put("enricher.api.tls.ca-file", caFile);
        overrides.put("enricher.api.max-attempts", "1");
        return ApiSettings.from(PlatformConfig.defaults(overrides));
    }
}
