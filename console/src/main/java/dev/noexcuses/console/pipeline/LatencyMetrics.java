package dev.noexcuses.console.pipeline;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collector-to-searchable latency as the realtime loader measures it (from the collector's receive
 * time to the cluster's acknowledgement of the document), read from its Prometheus {@code /metrics}
 * like any scraper would: the p50 and p99 of the last minutes, and the count and mean since it started.
 */
final class LatencyMetrics {
    private static final String NAME = "realtime_loader_end_to_end_latency_seconds";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String url;
    private final String adminToken;

    LatencyMetrics(String url, String adminToken) {
        this.url = url;
        this.adminToken = adminToken;
    }

    /** {@code p50}, {@code p99}, {@code count}, {@code mean} in seconds; empty when not configured or unreachable. */
    Map<String, Double> read() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (url == null || url.isBlank()) {
            return out;
        }
        String text;
        try {
            HttpResponse<String> response = http.send(AdminRequest.to(url, adminToken)
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return out;
            }
            text = response.body();
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return out;
        }
        double sum = Double.NaN;
        for (String line : text.split("\n")) {
            if (!line.startsWith(NAME)) {
                continue;
            }
            String value = line.substring(line.lastIndexOf(' ') + 1);
            if (line.startsWith(NAME + "{") && line.contains("quantile=\"0.5\"")) {
                out.put("p50", Double.parseDouble(value));
            } else if (line.startsWith(NAME + "{") && line.contains("quantile=\"0.99\"")) {
                out.put("p99", Double.parseDouble(value));
            } else if (line.startsWith(NAME + "_count")) {
                out.put("count", Double.parseDouble(value));
            } else if (line.startsWith(NAME + "_sum")) {
                sum = Double.parseDouble(value);
            }
        }
        if (out.getOrDefault("count", 0.0) > 0 && !Double.isNaN(sum)) {
            out.put("mean", sum / out.get("count"));
        }
        return out;
    }
}
