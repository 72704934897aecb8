package dev.noexcuses.collector;

import static dev.noexcuses.collector.CollectorFixture.KEY;
import static dev.noexcuses.collector.CollectorFixture.json;
import static dev.noexcuses.collector.CollectorFixture.validEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.intake.WriteKeys;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.SendResponse;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an attacker, a browser on another site, and an operator rotating keys meet at the collector. */
class CollectorSecurityTest {
    private static final int BURST = 3;
    private static Config config;
    private static CollectorServer collector;
    private static CollectorFixture fixture;

    @BeforeAll
    static void start() {
        config = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.auth-failure-records.burst", String.valueOf(BURST),
                // The test client plays a proxy, so each test can be its own client address.
                "collector.trusted-proxies.0", "127.0.0.1/32",
                // So slow that no token comes back during the test: the count of records is exact.
                "collector.auth-failure-records.per-second", "0.000001"));
        collector = CollectorServer.start(config);
        fixture = new CollectorFixture(config, collector);
    }

    @AfterAll
    static void stop() {
        collector.close();
    }

    @Test
    void aRequestWithoutAValidKeyIsAnsweredBeforeItsBodyIsReadAndOnlyItsFirst4KiBAreRecorded() throws Exception {
        String agent = "attacker-" + UUID.randomUUID();
        HttpRequestWriter request = HttpRequest.streaming(RequestHeaders.builder(HttpMethod.POST, "/v1/events")
                .contentType(MediaType.JSON_UTF_8).set("x-write-key", "guessed").set("user-agent", agent)
                // Its own client address (the test runs behind the trusted loopback proxy), so its own budget.
                .set("x-forwarded-for", "198.51.100.9").build());
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        request.write(HttpData.wrap(chunk));
        // The rest of a 1 MiB body is never sent: the answer must come without it.
        CompletableFuture<AggregatedHttpResponse> answer = fixture.http().execute(request).aggregate();
        AggregatedHttpResponse response = answer.get(60, TimeUnit.SECONDS);
        request.abort();

        assertThat(response.status().code()).isEqualTo(401);
        List<JsonNode> records = fixture.awaitRecordsContaining(Topics.RAW_DLQ, agent, 1);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.get("failure_type").asText()).isEqualTo("auth");
            assertThat(r.get("payload").asText()).hasSize(4096).matches("x+");
            assertThat(r.get("payload_truncated").asBoolean()).isTrue();
            assertThat(r.toString()).doesNotContain("guessed");
        });
    }

    @Test
    void authFailureRecordsAreRateLimitedPerClientAndTheExcessIsOnlyCounted() {
        String agent = "key-guesser-" + UUID.randomUUID();
        double unrecordedBefore = fixture.counter("collector_auth_failures_unrecorded_total");
        int attempts = BURST + 7;
        for (int i = 0; i < attempts; i++) {
            AggregatedHttpResponse response = fixture.post("guess-" + i, MediaType.JSON_UTF_8,
                    Json.toBytes(validEvent()), "user-agent", agent, "x-forwarded-for", "203.0.113.77");
            assertThat(response.status().code()).isEqualTo(401);
        }
        List<JsonNode> records = fixture.awaitRecordsContaining(Topics.RAW_DLQ, agent, BURST);
        assertThat(records).hasSize(BURST);
        assertThat(fixture.counter("collector_auth_failures_unrecorded_total") - unrecordedBefore)
                .isEqualTo(attempts - BURST);
    }

    @Test
    void byDefaultNoOtherSiteMayPostFromABrowser() {
        AggregatedHttpResponse preflight = fixture.http().execute(RequestHeaders.builder(HttpMethod.OPTIONS, "/v1/events")
                        .set("origin", "https://evil.example")
                        .set("access-control-request-method", "POST")
                        .set("access-control-request-headers", "content-type,x-write-key").build())
                .aggregate().join();
        assertThat(preflight.status().code()).isEqualTo(204);
        assertThat(preflight.headers().get("allow")).isEqualTo("POST, OPTIONS");
        assertThat(preflight.headers().get("access-control-allow-origin")).isNull();
        AggregatedHttpResponse post = fixture.post(KEY, MediaType.JSON_UTF_8, Json.toBytes(validEvent()),
                "origin", "https://evil.example");
        assertThat(post.headers().get("access-control-allow-origin")).isNull();
    }

    @Test
    void theAdminPortListensOnLoopbackOnly() throws Exception {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", collector.adminPort()), 5_000);
        }
        java.net.InetAddress external = externalAddress();
        org.junit.jupiter.api.Assumptions.assumeTrue(external != null, "no non-loopback address on this machine");
        try (java.net.Socket socket = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> socket.connect(
                    new java.net.InetSocketAddress(external, collector.adminPort()), 5_000))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void hashedKeysWorkBothKeysOfARotationAreValidAndARemovedKeyStopsWorkingOnSighup(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("platform.conf");
        writeKeys(file, "{ keys = [\"new-key\", \"" + WriteKeys.hashedForm("old-key") + "\"], sources = [\"web-shop\"] }");
        Config fromFile = SharedLocalInfra.get().serviceConfig(PlatformConfig.load(Optional.of(file),
                Map.of("collector.port", "0", "collector.admin.port", "0")));
        try (CollectorServer rotating = CollectorServer.start(fromFile)) {
            CollectorFixture client = new CollectorFixture(fromFile, rotating);
            assertThat(client.post("new-key", MediaType.JSON_UTF_8, Json.toBytes(validEvent())).status().code())
                    .isEqualTo(200);
            assertThat(client.post("old-key", MediaType.JSON_UTF_8, Json.toBytes(validEvent())).status().code())
                    .isEqualTo(200);
            // The hash itself is not a key.
            assertThat(client.post(WriteKeys.hashedForm("old-key"), MediaType.JSON_UTF_8, Json.toBytes(validEvent()))
                    .status().code()).isEqualTo(401);

            writeKeys(file, "{ key = \"new-key\", sources = [\"web-shop\"] }");
            // A build started under nohup runs this JVM with SIGHUP ignored, which a JVM cannot undo.
            org.junit.jupiter.api.Assumptions.assumeTrue(dev.noexcuses.collector.auth.HangupSignal.reachesThisProcess(),
                    "this JVM inherited an ignored SIGHUP (nohup): run the build without nohup");
            hangUp();

            // Said on failure: whether the reload ran at all, and what the old key got.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                int status = client.post("old-key", MediaType.JSON_UTF_8, Json.toBytes(validEvent())).status().code();
                assertThat(status).as("old key after SIGHUP (reloads so far: %s)",
                        client.counter("collector_write_keys_reloads_total")).isEqualTo(401);
            });
            assertThat(client.post("new-key", MediaType.JSON_UTF_8, Json.toBytes(validEvent())).status().code())
                    .isEqualTo(200);
            assertThat(client.counter("collector_write_keys_reloads_total")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void restAndGrpcServeTlsOnOnePortToClientsTrustingTheCaAndTheSdkTakesACaFile(@TempDir Path dir) throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        Config tls = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.tls.cert-file", certs.serverCert().toString(),
                "collector.tls.key-file", certs.serverKey().toString()));
        try (CollectorServer secure = CollectorServer.start(tls);
             ClientFactory trusting = ClientFactory.builder()
                     .tlsCustomizer(b -> b.trustManager(certs.caCert().toFile())).build();
             ClientFactory untrusting = ClientFactory.builder().build()) {
            String base = "https://localhost:" + secure.port();
            CollectorFixture topics = new CollectorFixture(tls, secure);

            var restEvent = validEvent();
            AggregatedHttpResponse rest = WebClient.builder(base).factory(trusting).build()
                    .execute(RequestHeaders.builder(HttpMethod.POST, "/v1/events").contentType(MediaType.JSON_UTF_8)
                            .set("x-write-key", KEY).build(), Json.toBytes(restEvent)).aggregate().join();
            assertThat(rest.status().code()).isEqualTo(200);

            var grpcEvent = validEvent();
            SendResponse grpc = GrpcClients.builder("gproto+" + base + "/").factory(trusting).addHeader("x-write-key", KEY)
                    .build(CollectorServiceGrpc.CollectorServiceBlockingStub.class)
                    .send(EventBatch.newBuilder().addEvents(ProtoJson.fromJson(grpcEvent)).build());
            assertThat(grpc.getAccepted()).isEqualTo(1);

            var sdkEvent = validEvent();
            try (EventClient sdk = EventClient.builder(URI.create(base)).writeKey(KEY).caFile(certs.caCert())
                    .linger(Duration.ofMillis(5)).build()) {
                assertThat(sdk.send(sdkEvent).get(60, TimeUnit.SECONDS).outcome()).isEqualTo(Delivery.Outcome.ACCEPTED);
            }

            // A client that does not trust the CA does not get through.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebClient.builder(base).factory(untrusting).build()
                    .execute(RequestHeaders.builder(HttpMethod.POST, "/v1/events").contentType(MediaType.JSON_UTF_8)
                            .set("x-write-key", KEY).build(), Json.toBytes(validEvent())).aggregate().join())
                    .hasCauseInstanceOf(com.linecorp.armeria.client.UnprocessedRequestException.class)
                    .hasStackTraceContaining("SSLHandshakeException");
            // And plain HTTP is not served on the TLS port.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebClient.of("http://localhost:" + secure.port())
                    .post("/v1/events", "{}").aggregate().get(30, TimeUnit.SECONDS))
                    .isNotNull();

            List<String> ids = List.of(restEvent.get("event_id").asText(), grpcEvent.get("event_id").asText(),
                    sdkEvent.get("event_id").asText());
            assertThat(topics.awaitRecords(Topics.RAW, ids, 3)).extracting(r -> r.get("event_id").asText())
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    private static void writeKeys(Path file, String entries) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, "collector.write-keys = [\n  " + entries + "\n]\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** SIGHUP to this JVM, the way an operator (or ./platform reload) tells a running collector. */
    private static void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(ProcessHandle.current().pid())).start();
        assertThat(kill.waitFor()).isZero();
    }

    private static java.net.InetAddress externalAddress() throws Exception {
        var interfaces = java.net.NetworkInterface.getNetworkInterfaces();
        while (interfaces.hasMoreElements()) {
            var nif = interfaces.nextElement();
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            var addresses = nif.getInetAddresses();
            while (addresses.hasMoreElements()) {
                var a = addresses.nextElement();
                if (a instanceof java.net.Inet4Address) {
                    return a;
                }
            }
        }
        return null;
    }
}
