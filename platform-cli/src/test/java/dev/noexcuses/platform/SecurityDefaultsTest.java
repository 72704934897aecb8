package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.platform.cli.Commands;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform as a security reviewer meets it, every service in one process on real embedded
 * Kafka, OpenSearch, PostgreSQL and S3: personal data of failed events, admin endpoints, secrets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityDefaultsTest {
    private static final String EMAIL = "jane.doe@example.com";
    private static final String PUBLIC_IP = "81.2.69.142";
    private static final String ADMIN_TOKEN = "admin-token-for-the-test";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dataDir;

    private PlatformRuntime runtime;
    private Config config;

    @BeforeAll
    void startPlatform() throws IOException {
        int apiPort = LocalInfra.freePort();
        // data.email is left out on purpose: the signup schema marks it "pii": true.
        Path conf = Files.writeString(dataDir.resolve("platform.conf"),
                "pseudonymisation.fields = [\"collector.client_ip\", \"user_id\"]\n"
                        // The test's requests come through a proxy on loopback, which names the client.
                        + "collector.trusted-proxies = [\"127.0.0.1/32\", \"::1/128\"]\n");
        config = PlatformConfig.load(Optional.of(conf), Map.ofEntries(
                Map.entry("platform.data-dir", dataDir.toString()),
                Map.entry("platform.home", Path.of("..").toAbsolutePath().normalize().toString()),
                Map.entry("local-infra.kafka.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.kafka.controller-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.transport-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.postgres.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.s3.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.redis.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("feature-store.online.port", "0"),
                Map.entry("ml-pipelines.scores.port", "0"),
                Map.entry("collector.port", "0"),
                Map.entry("enrichment-api.port", String.valueOf(apiPort)),
                Map.entry("enricher.api.url", "http://127.0.0.1:" + apiPort),
                // One valid event is sent: its first call to the API must not time out on a loaded machine.
                Map.entry("enricher.api.attempt-timeout", "15s"),
                Map.entry("enricher.admin.port", "0"),
                Map.entry("realtime-loader.admin.port", "0"),
                Map.entry("batch-loader.admin.port", "0"),
                Map.entry("orchestrator.admin.port", "0"),
                // No Spark job in this test: no job host taking CPU from it.
                Map.entry("lakehouse.job-host.enabled", "false"),
                Map.entry("console.port", "0"),
                Map.entry("alerting.http.port", "0"),
                Map.entry("model-registry.port", "0"),
                Map.entry("serving.gateway.port", "0"),
                Map.entry("local-infra.trino.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("batch-loader.flush.max-age", "2s"),
                Map.entry("admin.token", ADMIN_TOKEN)));
        runtime = PlatformRuntime.start(config, dataDir, new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterAll
    void stopPlatform() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void anInvalidEventsEmailAndPublicIpAreInClearNeitherInOpenSearchNorInTheLakeYetReplayResubmitsItByteForByte()
            throws Exception {
        String eventId = UUID.randomUUID().toString();
        String validId = UUID.randomUUID().toString();
        // "fax" is no signup method: a schema violation, so the event goes to events.enriched.dlq.
        assertThat(post(signup(eventId, "fax"))).isEqualTo(200);
        assertThat(post(signup(validId, "password"))).isEqualTo(200);
        Config services = runtime.serviceConfig();
        Pseudonymiser pseudonymiser = Pseudonymiser.from(services);

        String searchUrl = services.getString("opensearch.url");
        JsonNode failedDoc = Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> search(searchUrl, "events-failed-*", eventId), Optional::isPresent).get();
        String indexed = failedDoc.toString();
        assertThat(indexed).contains(eventId, "schema_violation")
                .doesNotContain(EMAIL, PUBLIC_IP)
                .contains(pseudonymiser.hmac(EMAIL), pseudonymiser.hmac(PUBLIC_IP));

        // The valid signup: its e-mail is pseudonymised because the schema marks it "pii": true.
        JsonNode validDoc = Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> search(searchUrl, "events-enriched-*,events-failed-*", validId), Optional::isPresent).get();
        assertThat(validDoc.has("failure_type")).as("enriched, not failed: %s", validDoc).isFalse();
        JsonNode enrichedDoc = validDoc;
        assertThat(enrichedDoc.path("data").path("email").asText()).isEqualTo(pseudonymiser.hmac(EMAIL));
        assertThat(enrichedDoc.path("collector").path("client_ip").asText()).isEqualTo(pseudonymiser.hmac(PUBLIC_IP));
        assertThat(enrichedDoc.toString()).doesNotContain(EMAIL);

        String row = Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .until(() -> failedRow(services, eventId), Optional::isPresent).get();
        assertThat(row).contains(eventId).doesNotContain(EMAIL, PUBLIC_IP).contains(pseudonymiser.hmac(EMAIL));

        // The dead-letter topic keeps the original bytes: replay-dlq sends back exactly what the collector wrote.
        List<ConsumerRecord<String, byte[]>> before = rawRecordsOf(services, eventId);
        assertThat(before).hasSize(1);
        byte[] original = before.get(0).value();
        assertThat(new String(original, StandardCharsets.UTF_8)).contains(EMAIL, PUBLIC_IP);
        int code = Commands.execute("replay-dlq", "--from", Topics.ENRICHED_DLQ, "--data-dir", dataDir.toString());
        assertThat(code).isZero();
        List<ConsumerRecord<String, byte[]>> after = rawRecordsOf(services, eventId);
        assertThat(after).hasSize(2);
        assertThat(after.get(1).value()).isEqualTo(original);
    }

    @Test
    void adminEndpointsListenOnLoopbackOnlyAndAnswerOnlyWithTheToken() throws Exception {
        JsonNode status = status("--json");
        List<Integer> adminPorts = new ArrayList<>();
        for (JsonNode c : status.get("components")) {
            if (List.of("enricher", "realtime-loader", "batch-loader", "orchestrator").contains(c.get("name").asText())) {
                adminPorts.add(URI.create(c.get("endpoints").get("metrics").asText()).getPort());
            }
        }
        assertThat(adminPorts).hasSize(4);
        Optional<InetAddress> lan = nonLoopbackAddress();
        for (int port : adminPorts) {
            String metrics = "http://127.0.0.1:" + port + "/metrics";
            assertThat(get(metrics, null).statusCode()).as("no token, port %s", port).isEqualTo(401);
            assertThat(get(metrics, "wrong-token").statusCode()).as("wrong token, port %s", port).isEqualTo(401);
            HttpResponse<String> allowed = get(metrics, ADMIN_TOKEN);
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.body()).contains("# TYPE");
            assertThat(get("http://127.0.0.1:" + port + "/healthz", null).statusCode()).isEqualTo(401);
            if (lan.isPresent()) {
                assertThat(connects(lan.get(), port)).as("reachable on %s:%s", lan.get(), port).isFalse();
            }
        }
        // status sends the configured token, so it still sees the services healthy.
        assertThat(status.get("healthy").asBoolean()).as(status.toPrettyString()).isTrue();
    }

    @Test
    void statusMasksSecretsUnlessAskedAndTheStateFileIsReadableByItsOwnerOnly() throws Exception {
        String masked = status("--json").toString();
        assertThat(masked).doesNotContain("noexcuses-secret").contains("********");
        assertThat(status("--json", "--show-secrets").toString()).contains("noexcuses-secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("platform.json"))))
                .isEqualTo("rw-------");
    }

    private String signup(String eventId, String method) {
        return """
                {"event_id": "%s", "schema": "com.webshop/signup/1-0-0", "event_time": "%s",
                 "source": "web-shop", "anonymous_id": "a-%s",
                 "data": {"method": "%s", "email": "%s", "note": "signed up from %s"}}"""
                .formatted(eventId, Instant.now(), eventId, method, EMAIL, PUBLIC_IP);
    }

    private int post(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(runtime.collectorUrl() + "/v1/events"))
                .header("Content-Type", "application/json")
                .header("X-Write-Key", "local-dev-key")
                // Sent through a proxy the collector trusts (loopback): the client is the public address.
                .header("X-Forwarded-For", PUBLIC_IP)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static Optional<JsonNode> search(String url, String indices, String eventId) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create(url + "/" + indices + "/_search?q=event_id:%22" + eventId + "%22")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return Optional.empty();
        }
        JsonNode hits = Json.mapper().readTree(r.body()).path("hits").path("hits");
        return hits.isEmpty() ? Optional.empty() : Optional.of(hits.get(0).get("_source"));
    }

    private static Optional<String> failedRow(Config config, String eventId) throws Exception {
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(config))) {
            var id = EventTables.identifier(config.getString("batch-loader.tables.failed-events"));
            if (!lake.catalog().tableExists(id)) {
                return Optional.empty();
            }
            Table table = lake.catalog().loadTable(id);
            try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
                for (Record row : rows) {
                    if (eventId.equals(row.getField("event_id"))) {
                        return Optional.of(row.toString());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<ConsumerRecord<String, byte[]>> rawRecordsOf(Config config, String eventId) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(config, "security-test-" + UUID.randomUUID()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.RAW, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(Topics.RAW, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plusSeconds(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (indexOf(r.value(), id) >= 0) {
                        found.add(r);
                    }
                }
            }
        }
        found.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private JsonNode status(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("status"));
        Collections.addAll(args, flags);
        args.addAll(List.of("--data-dir", dataDir.toString(), "--set", "admin.token=" + ADMIN_TOKEN));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Commands.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        // Log lines of the services running in this JVM may be interleaved with the command's output.
        String json = out.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> !line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"))
                .collect(java.util.stream.Collectors.joining("\n"));
        return Json.mapper().readTree(json);
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An address of this machine that other machines could connect to, when it has one. */
    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
