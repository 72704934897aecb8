package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.rule.Observation;
import dev.noexcuses.alerting.state.AlertDatabase;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./platform alerts as a user types it, against a real PostgreSQL holding an alert that fired. */
class AlertsCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void listHistorySilenceAndAckShowAndChangeTheAlertsInTheDatabase() throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "alerts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + name);
        settings.put("postgres.user", shared.get("postgres.user"));
        settings.put("postgres.password", shared.get("postgres.password"));
        List<String> connection = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        settings.forEach((k, v) -> connection.addAll(List.of("--set", k + "=" + v)));

        // The shipped dlq-share rule sees a spike twice, a minute apart: pending, then firing.
        var config = PlatformConfig.defaults(settings);
        AlertRule dlqShare = AlertRule.fromConfig(config.getConfig("alerting")).stream()
                .filter(r -> r.name().equals("dlq-share")).findFirst().orElseThrow();
        Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (AlertDatabase db = AlertDatabase.open(config)) {
            AlertStore store = new AlertStore(db);
            Observation spike = new Observation("schema_violation", 0.23, true, "30 of 130 events failed with schema_violation");
            store.record(Map.of(dlqShare, List.of(spike)), t.minusSeconds(60), List.of("log"));
            store.record(Map.of(dlqShare, List.of(spike)), t, List.of("log"));
        }

        Output list = run(connection, "alerts", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("dlq-share", "volume-drop", "silent-source", "schema-violation-spike",
                "searchable-latency", "FIRING   schema_violation", "1 alert(s) firing, 0 pending");

        Output history = run(connection, "alerts", "history", "--json");
        JsonNode entries = Json.mapper().readTree(document(history.out(), '['));
        assertThat(entries).extracting(e -> e.get("state").asText()).containsExactly("firing", "pending");

        assertThat(run(connection, "alerts", "ack", "dlq-share", "schema_violation").out())
                .contains("Acknowledged dlq-share / schema_violation");
        assertThat(run(connection, "alerts", "ack", "dlq-share", "auth").code()).isEqualTo(1);
        assertThat(run(connection, "alerts", "silence", "dlq-share", "--for", "2h", "--reason", "key rotation").out())
                .contains("Silenced dlq-share (*) until");
        assertThat(run(connection, "alerts", "silence", "no-such-rule").code()).isEqualTo(2);

        Output json = run(connection, "alerts", "list", "--json");
        JsonNode overview = Json.mapper().readTree(document(json.out(), '{'));
        assertThat(overview.get("alerts")).singleElement().satisfies(a -> {
            assertThat(a.get("state").asText()).isEqualTo("firing");
            assertThat(a.get("acknowledged_by").asText()).isNotBlank();
        });
        assertThat(overview.get("silences")).singleElement().satisfies(s ->
                assertThat(s.get("reason").asText()).isEqualTo("key rotation"));
    }

    /** Test logging shares stdout: the JSON document starts at the first line that opens with {@code first}. */
    private static String document(String out, char first) {
        return out.charAt(0) == first ? out : out.substring(out.indexOf("\n" + first) + 1);
    }

    private record Output(int code, String out, String err) {}

    private static Output run(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(connection);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Commands.execute(all.toArray(String[]::new));
            return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
