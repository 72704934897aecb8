package dev.noexcuses.loader.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import dev.noexcuses.loader.batch.table.EventTables;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.data.Record;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
class BatchLoaderTest {

    @Test
    void loadsEnrichedEventsWithEveryFieldAndFailedEventsIntoTheirOwnTable() throws Exception {
        try (LoaderFixture f = new LoaderFixture(2, Map.of())) {
            EventEnvelope event = LoaderFixture.event(1);
            f.sendEnriched(event);
            f.sendEnriched(LoaderFixture.event(2));
            f.send(f.enrichedDlq, "k", Json.toBytes(LoaderFixture.failure(3, "enricher", FailureType.SCHEMA_VIOLATION)));
            f.send(f.rawDlq, "k", Json.toBytes(LoaderFixture.failure(4, "collector", FailureType.PAYLOAD_FORMAT)));
            f.send(f.enrichedTopic, "k", "{not json".getBytes(StandardCharsets.UTF_8));

            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        f.rows(f.enrichedTable).size() == 2 && f.rows(f.failedTable).size() == 3);

                Record row = f.rows(f.enrichedTable).stream()
                        .filter(r -> r.getField("event_id").equals(event.eventId())).findFirst().orElseThrow();
                assertThat(row.getField("schema")).isEqualTo("com.webshop/add_to_cart/1-0-0");
                assertThat(row.getField("schema_vendor")).isEqualTo("com.webshop");
                assertThat(row.getField("schema_name")).isEqualTo("add_to_cart");
                assertThat(row.getField("schema_version")).isEqualTo("1-0-0");
                assertThat(row.getField("event_time")).isEqualTo(event.eventTime().atOffset(ZoneOffset.UTC));
                assertThat(row.getField("source")).isEqualTo("web-shop");
                assertThat(row.getField("user_id")).isEqualTo(event.userId());
                assertThat(row.getField("anonymous_id")).isNull();
                assertThat(Json.mapper().readTree((String) row.getField("data"))).isEqualTo(event.data());
                assertThat(row.getField("received_at")).isEqualTo(event.receivedAt().atOffset(ZoneOffset.UTC));
                assertThat(row.getField("collector_host")).isEqualTo("collector-1");
                assertThat(row.getField("request_id")).isEqualTo("req-1");
                assertThat(row.getField("client_ip")).isEqualTo("203.0.113.9");
                assertThat(row.getField("user_agent")).isEqualTo("Mozilla/5.0");
                assertThat(row.getField("authenticated_source")).isEqualTo("web-shop");
                assertThat(row.getField("transport")).isEqualTo("rest");
                Record ua = (Record) row.getField("ua");
                assertThat(ua.getField("browser")).isEqualTo("Firefox");
                assertThat(ua.getField("browser_version")).isEqualTo("128.0");
                assertThat(ua.getField("os")).isEqualTo("Linux");
                Record geo = (Record) row.getField("geo");
                assertThat(geo.getField("country_code")).isEqualTo("DE");
                assertThat(geo.getField("region")).isEqualTo("Land Berlin");
                assertThat(geo.getField("city")).isEqualTo("Berlin");
                assertThat(geo.getField("latitude")).isEqualTo(52.5244);
                assertThat(geo.getField("longitude")).isEqualTo(13.4105);
                Record score = (Record) row.getField("score");
                assertThat(score.getField("model")).isEqualTo("churn");
                assertThat(score.getField("value")).isEqualTo(0.25);
                assertThat(Json.mapper().readTree((String) row.getField("enrichments"))).isEqualTo(event.enrichments());
                assertThat(row.getField("kafka_topic")).isEqualTo(f.enrichedTopic);
                assertThat((OffsetDateTime) row.getField("loaded_at")).isAfter(OffsetDateTime.now().minusMinutes(5));

                List<Record> failed = f.rows(f.failedTable);
                Record schemaViolation = failed.stream()
                        .filter(r -> "schema_violation".equals(r.getField("failure_type"))).findFirst().orElseThrow();
                assertThat(schemaViolation.getField("failure_id")).isEqualTo("failure-enricher-3");
                assertThat(schemaViolation.getField("component")).isEqualTo("enricher");
                assertThat(schemaViolation.getField("event_id")).isEqualTo("event-3");
                Record error = ((List<Record>) schemaViolation.getField("errors")).get(0);
                assertThat(error.getField("path")).isEqualTo("$.data.quantity");
                assertThat(error.getField("message")).isEqualTo("must be an integer");
                assertThat(schemaViolation.getField("payload_encoding")).isEqualTo("utf8");
                assertThat(schemaViolation.getField("received_at"))
                        .isEqualTo(OffsetDateTime.parse("2026-03-02T08:00:00Z"));
                assertThat((Map<Object, Object>) schemaViolation.getField("context")).containsEntry("schema", "x/y/1-0-0");
                assertThat(schemaViolation.getField("kafka_topic")).isEqualTo(f.enrichedDlq);
                assertThat(failed).anySatisfy(r -> {
                    assertThat(r.getField("failure_type")).isEqualTo("payload_format");
                    assertThat(r.getField("kafka_topic")).isEqualTo(f.rawDlq);
                });
                assertThat(failed).anySatisfy(r -> {
                    assertThat(r.getField("failure_type")).isEqualTo("loader_failure");
                    assertThat(r.getField("component")).isEqualTo("batch-loader");
                    assertThat(r.getField("payload")).isEqualTo("{not json");
                    assertThat(r.getField("kafka_topic")).isEqualTo(f.enrichedTopic);
                });

                Table table = f.table(f.enrichedTable);
                assertThat(table.spec().fields()).singleElement()
                        .satisfies(p -> assertThat(p.transform().toString()).isEqualTo("day"));
                Map<TopicPartition, Long> offsets = SnapshotOffsets.latest(table, f.id + "-loader");
                assertThat(offsets.keySet()).allSatisfy(tp -> assertThat(tp.topic()).isEqualTo(f.enrichedTopic));
                assertThat(offsets.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);

                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + loader.adminPort();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(http.send(
                        HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
                String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("batch_loader_rows_committed_total", "batch_loader_records_consumed_total");
            }
        }
    }

    @Test
    void aTableMadeBeforeTheGeoCoordinatesGainsTheirColumnsWhenTheLoaderStarts() throws Exception {
        try (LoaderFixture f = new LoaderFixture(1, Map.of())) {
            // raw.enriched_events as loaders made it before the coordinates.
            Types.StructType geoBefore = Types.StructType.of(EventTables.ENRICHED_EVENTS.findField("geo").type()
                    .asStructType().fields().stream().filter(field -> field.fieldId() <= 27).toList());
            Schema before = new Schema(EventTables.ENRICHED_EVENTS.columns().stream()
                    .map(c -> c.name().equals("geo") ? Types.NestedField.optional(c.fieldId(), "geo", geoBefore) : c)
                    .toList());
            EventTables.ensure(f.lake().catalog(), TableIdentifier.parse(f.enrichedTable), before, Map.of());
            assertThat(f.table(f.enrichedTable).schema().findField("geo.latitude")).isNull();

            EventEnvelope located = LoaderFixture.event(2);
            f.sendEnriched(located);
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> f.rows(f.enrichedTable).size() == 1);
            }
            Schema after = f.table(f.enrichedTable).schema();
            assertThat(after.findField("geo.region").type()).isEqualTo(Types.StringType.get());
            assertThat(after.findField("geo.latitude").type()).isEqualTo(Types.DoubleType.get());
            assertThat(after.findField("geo.longitude").type()).isEqualTo(Types.DoubleType.get());
            Record geo = (Record) f.rows(f.enrichedTable).get(0).getField("geo");
            assertThat(geo.getField("latitude")).isEqualTo(52.5244);
            assertThat(geo.getField("longitude")).isEqualTo(13.4105);
        }
    }
}
