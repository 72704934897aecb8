package dev.noexcuses.loader.realtime;

import static dev.noexcuses.loader.realtime.LoaderTestSupport.enrichedEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A cluster behind https with its own certificate authority and basic authentication, as managed
 * OpenSearch and Elasticsearch services are: here a TLS proxy that checks the password in front of
 * the real embedded server.
 */
class SecuredClusterTest {

    @Test
    void loadsIntoAClusterBehindHttpsWithItsOwnCaAndBasicAuthenticationAndWaitsWhileTheCredentialsAreRefused()
            throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
        String plainUrl;
        try (var t = new LoaderTestSupport(Map.of())) {
            plainUrl = t.config.getString("opensearch.url");
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString("loader:s3cret".getBytes(StandardCharsets.UTF_8));
        AtomicBoolean refuseEveryone = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        WebClient upstream = WebClient.of(plainUrl);
        Server proxy = Server.builder()
                .https(0)
                .tls(certificate.certificate(), certificate.privateKey())
                .serviceUnder("/", (ctx, req) -> !refuseEveryone.get()
                        && expected.equals(req.headers().get("authorization"))
                        ? upstream.execute(req)
                        : refuse(refused))
                .build();
        proxy.start().join();
        try (var t = new LoaderTestSupport(Map.of(
                "opensearch.url", "https://localhost:" + proxy.activeLocalPort(),
                "opensearch.username", "loader",
                "opensearch.password", "s3cret",
                "opensearch.tls.ca-file", certificate.certificate().getPath(),
                "realtime-loader.bulk.request-timeout", "5s"));
             RealtimeLoader loader = t.startLoader()) {
            for (int i = 0; i < 20; i++) {
                t.sendEvent(enrichedEvent("u" + i, Instant.now()));
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED) == 20);
            assertThat(t.count(t.enrichedPrefix + "*")).isEqualTo(20);

            // Credentials revoked for a while (a dozen refused requests: the HTTP client once lost an answer
            // to a request refused before its body was read, and the loader waited for it for good):
            // documents wait, nothing becomes a failure record, and they load when the credentials work again.
            refuseEveryone.set(true);
            for (int i = 0; i < 10; i++) {
                t.sendEvent(enrichedEvent("v" + i, Instant.now()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !loader.isReady());
            int refusedBefore = refused.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> refused.get() >= refusedBefore + 12);
            refuseEveryone.set(false);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED) == 30);
            assertThat(t.count(t.enrichedPrefix + "*")).isEqualTo(30);
            assertThat(loader.metrics().rejectedCount()).isZero();
            assertThat(loader.metrics().indexedCount(IndexDocument.Kind.LOADER_FAILURE)).isZero();
        } finally {
            proxy.stop().join();
            certificate.delete();
        }
    }

    private static HttpResponse refuse(AtomicInteger refused) {
        refused.incrementAndGet();
        return HttpResponse.of(HttpStatus.UNAUTHORIZED);
    }
}
