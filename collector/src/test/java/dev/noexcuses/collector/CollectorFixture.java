package dev.noexcuses.collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.kafka.TopicReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Builds events, talks to a running collector over plain HTTP, and reads what reached the topics. */
final class CollectorFixture {
    static final String KEY = "local-dev-key";

    private final Config config;
    private final WebClient http;
    private final WebClient admin;

    CollectorFixture(Config config, CollectorServer collector) {
        this.config = config;
        this.http = WebClient.builder("http://127.0.0.1:" + collector.port()).responseTimeout(Duration.ofSeconds(30))
                .build();
        this.admin = collector.adminPort() > 0 ? WebClient.builder("http://127.0.0.1:" + collector.adminPort())
                .responseTimeout(Duration.ofSeconds(30)).build() : null;
    }

    static ObjectNode validEvent() {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("event_id", UUID.randomUUID().toString());
        e.put("schema", "com.webshop/page_view/1-0-0");
        e.put("event_time", Instant.now().toString());
        e.put("source", "web-shop");
        e.put("anonymous_id", "a-" + UUID.randomUUID());
        e.putObject("data").put("url", "https://shop.example.com/").put("page_type", "home");
        return e;
    }

    WebClient http() {
        return http;
    }

    /** What navigator.sendBeacon sends: text/plain, the write key in the query, no other headers. */
    AggregatedHttpResponse beacon(String key, byte[] body) {
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, "/v1/events?write_key=" + key)
                .contentType(MediaType.PLAIN_TEXT_UTF_8).build();
        return http.execute(HttpRequest.of(headers, HttpData.wrap(body))).aggregate().join();
    }

    AggregatedHttpResponse post(String key, MediaType type, byte[] body, String... extraHeaders) {
        com.linecorp.armeria.common.RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, "/v1/events");
        if (type != null) {
            headers.contentType(type);
        }
        if (key != null) {
            headers.set("x-write-key", key);
        }
        for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
            headers.set(extraHeaders[i], extraHeaders[i + 1]);
        }
        return http.execute(HttpRequest.of(headers.build(), HttpData.wrap(body))).aggregate().join();
    }

    AggregatedHttpResponse postJson(Object body) {
        return post(KEY, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    /** GET on the public (ingestion) port. */
    AggregatedHttpResponse get(String path) {
        return http.get(path).aggregate().join();
    }

    /** GET on the admin port (health, readiness, metrics). */
    AggregatedHttpResponse admin(String path) {
        return admin.get(path).aggregate().join();
    }

    /** The value of a Prometheus counter (0 when it was never incremented). */
    double counter(String name) {
        return admin("/metrics").contentUtf8().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static JsonNode json(AggregatedHttpResponse response) {
        try {
            return Json.mapper().readTree(response.contentUtf8());
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + response.contentUtf8(), e);
        }
    }

    /** Records of {@code topic} whose value mentions one of the ids; waits for {@code wanted} of them. */
    List<JsonNode> awaitRecords(String topic, Collection<String> ids, int wanted) {
        Set<String> idSet = Set.copyOf(ids);
        return TopicReader.awaitMatching(config, topic, r -> mentions(r, idSet), wanted, Duration.ofSeconds(20))
                .stream().map(r -> Json.fromBytes(r.value(), JsonNode.class)).toList();
    }

    /** Records of {@code topic} whose value contains {@code marker} anywhere (e.g. a request id). */
    List<JsonNode> awaitRecordsContaining(String topic, String marker, int wanted) {
        return TopicReader.awaitMatching(config, topic, r -> new String(r.value()).contains(marker), wanted,
                Duration.ofSeconds(20)).stream().map(r -> Json.fromBytes(r.value(), JsonNode.class)).toList();
    }

    private static boolean mentions(ConsumerRecord<String, byte[]> record, Set<String> ids) {
        JsonNode node = Json.fromBytes(record.value(), JsonNode.class);
        String id = node.path("event_id").asText(null);
        return id != null && ids.contains(id);
    }
}
