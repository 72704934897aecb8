package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.infra.trino.TrinoAccess;
import dev.noexcuses.loader.batch.BatchLoader;
import dev.noexcuses.loader.batch.lake.LakeInspector;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL over the lake: the batch loader writes raw.enriched_events and raw.failed_events, the embedded Trino
 * reads them with the counts the loader committed, and {@code ./platform sql} prints them.
 */
class SqlCommandTest {
    private static final int EVENTS = 240;
    private static final int FAILURES = 7;

    private static TrinoAccess trino;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadTheRawTables() throws Exception {
        LocalInfra infra = SharedLocalInfra.get("trino");
        // Only the DLQ this test writes: other tests in this JVM leave collector rejections in events.raw.dlq.
        Config config = infra.serviceConfig(PlatformConfig.defaults(Map.of(
                "batch-loader.flush.max-age", "1s", "batch-loader.admin.port", "0",
                "batch-loader.topics.failed.0", Topics.ENRICHED_DLQ)));
        trino = TrinoAccess.from(config);
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(KafkaClients.reliableProducer(config, "sql-test", 30_000))) {
            for (int n = 0; n < EVENTS; n++) {
                EventEnvelope event = event(n);
                producer.send(new ProducerRecord<>(Topics.ENRICHED, event.partitionKey(), Json.toBytes(event)));
            }
            for (int n = 0; n < FAILURES; n++) {
                producer.send(new ProducerRecord<>(Topics.ENRICHED_DLQ, "k" + n, Json.toBytes(failure(n))));
            }
            producer.flush();
        }
        try (BatchLoader loader = BatchLoader.start(config); LakeCatalog lake = LakeCatalog.open(LakeSettings.from(config))) {
            LakeInspector inspector = new LakeInspector(lake.catalog());
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(inspector.stats("raw.enriched_events").rows()).isEqualTo(EVENTS);
                        assertThat(inspector.stats("raw.failed_events").rows()).isEqualTo(FAILURES);
                    });
        }
    }

    @Test
    void trinoCountsWhatTheBatchLoaderCommittedInTheRawSchema() throws Exception {
        try (Connection c = DriverManager.getConnection(trino.jdbcUrl(), trino.jdbcProperties());
             Statement s = c.createStatement()) {
            assertThat(single(s, "SELECT count(*) FROM raw.enriched_events")).isEqualTo(EVENTS);
            assertThat(single(s, "SELECT count(DISTINCT event_id) FROM raw.enriched_events")).isEqualTo(EVENTS);
            assertThat(single(s, "SELECT count(*) FROM raw.failed_events")).isEqualTo(FAILURES);
            // Struct columns and partitions read like any other: three days, one country.
            assertThat(single(s, "SELECT count(DISTINCT date(received_at)) FROM raw.enriched_events "
                    + "WHERE geo.country_code = 'DE'")).isEqualTo(3);
            assertThat(single(s, "SELECT count(*) FROM lake.information_schema.schemata WHERE schema_name = 'raw'"))
                    .isEqualTo(1);
        }
    }

    @Test
    void sqlPrintsATableCsvOrJson() throws Exception {
        String query = "SELECT date(received_at) AS day, count(*) AS events FROM raw.enriched_events GROUP BY 1 ORDER BY 1";
        Run table = platform("sql", query);
        assertThat(table.code).as(table.err).isZero();
        assertThat(table.out).contains("day        | events", "2026-03-01 |     80", "(3 rows)");

        Run csv = platform("sql", "--csv", query);
        assertThat(csv.out.lines().toList()).containsExactly("day,events", "2026-03-01,80", "2026-03-02,80",
                "2026-03-03,80");

        Run json = platform("sql", "--json", "SELECT failure_type, count(*) AS n FROM raw.failed_events GROUP BY 1");
        JsonNode rows = Json.mapper().readTree(json.out);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("failure_type").asText()).isEqualTo("schema_violation");
        assertThat(rows.get(0).get("n").asLong()).isEqualTo(FAILURES);
    }

    @Test
    void sqlRunsEveryStatementOfAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("q.sql"), """
                -- two statements; the semicolon in the string is not a separator
                SELECT count(*) AS enriched FROM raw.enriched_events;
                SELECT 'a;b' AS text, count(*) AS failed FROM raw.failed_events;
                """);
        Run run = platform("sql", "--csv", "--file", file.toString());
        assertThat(run.code).as(run.err).isZero();
        assertThat(run.out.lines().toList()).containsExactly("enriched", String.valueOf(EVENTS), "text,failed",
                "a;b," + FAILURES);
    }

    @Test
    void aQueryErrorIsTrinosMessageWithItsPositionNotAStackTrace() throws Exception {
        Run run = platform("sql", "SELECT no_such_column FROM raw.enriched_events");
        assertThat(run.code).isEqualTo(1);
        assertThat(run.err.strip()).isEqualTo("Query failed: line 1:8: Column 'no_such_column' cannot be resolved");
        assertThat(run.out).isEmpty();
    }

    private static long single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    private record Run(int code, String out, String err) {}

    private Run platform(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.toString(), "--set", "trino.url=" + trino.url()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Commands.execute(all.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    private static EventEnvelope event(int n) {
        Instant received = Instant.parse("2026-03-01T10:00:00Z").plus(n % 3, ChronoUnit.DAYS).plusMillis(n);
        ObjectNode data = Json.mapper().createObjectNode().put("product_id", "P" + (n % 50)).put("quantity", n % 5 + 1);
        ObjectNode enrichments = Json.mapper().createObjectNode();
        enrichments.putObject("geo").put("country_code", "DE").put("country", "Germany").put("city", "Berlin");
        return new EventEnvelope(UUID.nameUUIDFromBytes(("sql-event-" + n).getBytes(StandardCharsets.UTF_8)).toString(),
                "com.webshop/add_to_cart/1-0-0", received.minusSeconds(1), "web-shop", "user-" + (n % 17), null,
                data, new CollectorMetadata(received, "collector-1", "req-" + n, "203.0.113.9", "Mozilla/5.0",
                        "web-shop", "rest"), enrichments);
    }

    private static FailedEvent failure(int n) {
        return new FailedEvent("sql-failure-" + n, FailureType.SCHEMA_VIOLATION, "enricher",
                List.of(new FailureError("$.data.quantity", "must be an integer")), "event-" + n,
                "{\"event_id\":\"event-" + n + "\"}", FailedEvent.UTF8, false, Instant.parse("2026-03-02T08:00:01Z"),
                Map.of("schema", "com.webshop/add_to_cart/1-0-0"));
    }
}
