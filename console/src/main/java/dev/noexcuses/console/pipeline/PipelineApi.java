package dev.noexcuses.console.pipeline;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.search.SearchClient;
import dev.noexcuses.console.web.JsonResponses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code GET /api/pipeline}: every component's health, the last hour's flow, latency and the last verify. */
public final class PipelineApi {
    private final List<ComponentCheck> components;
    /** Sent with the services' health checks when set: their admin endpoints ask for it ({@code admin.token}). */
    private final String adminToken;
    private final FlowSampler flow;
    private final Optional<SearchClient> search;
    private final String trinoJdbcUrl;
    private final Path verifyReport;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public PipelineApi(List<ComponentCheck> components, String adminToken, FlowSampler flow,
                       Optional<SearchClient> search, String trinoJdbcUrl, Path verifyReport) {
        this.components = List.copyOf(components);
        this.adminToken = adminToken;
        this.flow = requireNonNull(flow, "flow is null");
        this.search = requireNonNull(search, "search is null");
        this.trinoJdbcUrl = trinoJdbcUrl;
        this.verifyReport = verifyReport;
    }

    @Get("/api/pipeline")
    @Blocking
    public HttpResponse pipeline() {
        ObjectNode out = JsonResponses.object();
        out.set("components", health());
        out.set("flow", flow());
        out.set("verify", lastVerify());
        return JsonResponses.ok(out);
    }

    private ArrayNode health() {
        ArrayNode list = Json.mapper().createArrayNode();
        list.addObject().put("name", "kafka").put("kind", "infrastructure").put("healthy", flow.kafkaReachable());
        search.ifPresent(s -> {
            ObjectNode node = list.addObject().put("name", "opensearch").put("kind", "infrastructure");
            try {
                String status = s.get("_cluster/health").path("status").asText("unknown");
                node.put("healthy", !"red".equals(status)).put("detail", "cluster " + status);
            } catch (RuntimeException e) {
                node.put("healthy", false).put("detail", e.getMessage());
            }
        });
        if (trinoJdbcUrl != null && !trinoJdbcUrl.isBlank()) {
            String info = trinoJdbcUrl.replaceFirst("^jdbc:trino://", "http://").replaceFirst("^(http://[^/?]+).*$", "$1")
                    + "/v1/info";
            list.addObject().put("name", "trino").put("kind", "infrastructure").put("healthy", answers200(info, ""));
        }
        for (ComponentCheck c : components) {
            list.addObject().put("name", c.name()).put("kind", "service")
                    .put("healthy", answers200(c.healthUrl(), c.token().isEmpty() ? adminToken : c.token()));
        }
        return list;
    }

    private boolean answers200(String url, String token) {
        try {
            return http.send(AdminRequest.to(url, token).timeout(Duration.ofSeconds(3)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Points between consecutive readings: records/s per topic, lag per stage, DLQ share, latency. */
    private ObjectNode flow() {
        List<FlowSample> samples = flow.samples();
        ObjectNode out = JsonResponses.object();
        if (flow.lastError() != null) {
            out.put("error", flow.lastError());
        }
        ArrayNode points = out.putArray("points");
        for (int i = 1; i < samples.size(); i++) {
            FlowSample a = samples.get(i - 1);
            FlowSample b = samples.get(i);
            double seconds = Math.max(0.001, Duration.between(a.at(), b.at()).toMillis() / 1000.0);
            ObjectNode p = points.addObject().put("at", b.at().toString());
            ObjectNode rates = p.putObject("events_per_second");
            for (String topic : Topics.ALL) {
                rates.put(topic, delta(a, b, topic) / seconds);
            }
            // Per stage: what the collector and the enricher wrote, what each consumer group committed.
            ObjectNode stages = p.putObject("stage_events_per_second");
            stages.put("collector", (delta(a, b, Topics.RAW) + delta(a, b, Topics.RAW_DLQ)) / seconds);
            stages.put("enricher", (delta(a, b, Topics.ENRICHED) + delta(a, b, Topics.ENRICHED_DLQ)) / seconds);
            b.committed().forEach((stage, done) -> {
                if (!stage.equals("enricher") && a.committed().containsKey(stage)) {
                    stages.put(stage, Math.max(0, done - a.committed().get(stage)) / seconds);
                }
            });
            long entered = delta(a, b, Topics.RAW) + delta(a, b, Topics.RAW_DLQ);
            long failed = delta(a, b, Topics.RAW_DLQ) + delta(a, b, Topics.ENRICHED_DLQ);
            p.put("dlq_share", entered == 0 ? 0.0 : Math.min(1.0, (double) failed / entered));
            p.set("lag", Json.mapper().valueToTree(b.lag()));
            if (b.latencySeconds().containsKey("p99")) {
                p.put("latency_p99_seconds", b.latencySeconds().get("p99"));
                p.put("latency_p50_seconds", b.latencySeconds().getOrDefault("p50", 0.0));
            }
        }
        if (!samples.isEmpty()) {
            FlowSample last = samples.get(samples.size() - 1);
            out.set("totals", Json.mapper().valueToTree(last.topicEnds()));
            out.set("latency_seconds", Json.mapper().valueToTree(last.latencySeconds()));
            out.put("since", samples.get(0).at().toString());
        }
        return out;
    }

    private static long delta(FlowSample a, FlowSample b, String topic) {
        return Math.max(0, b.topicEnds().getOrDefault(topic, 0L) - a.topicEnds().getOrDefault(topic, 0L));
    }

    private JsonNode lastVerify() {
        if (verifyReport == null || !Files.isRegularFile(verifyReport)) {
            return JsonResponses.object().put("available", false)
                    .put("message", "No reconciliation yet: run ./platform verify");
        }
        try {
            ObjectNode report = (ObjectNode) Json.mapper().readTree(verifyReport.toFile());
            report.put("available", true);
            report.put("written_at", Files.getLastModifiedTime(verifyReport).toInstant().toString());
            return report;
        } catch (IOException | ClassCastException e) {
            return JsonResponses.object().put("available", false)
                    .put("message", "Cannot read " + verifyReport + ": " + e.getMessage());
        }
    }
}
