package dev.noexcuses.lakehouse.parallelism;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the cores a job will run on: {@code local[N]} (or {@code local[*]}: this machine's cores), a
 * standalone master's alive workers (from its web UI's {@code /json/} document), or executors stated
 * by the user, which win over both.
 */
public final class ClusterProbe {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?\\])?");
    private static final Pattern STANDALONE = Pattern.compile("spark://([^:/]+)(?::(\\d+))?");

    private ClusterProbe() {}

    /**
     * @param masterUi the standalone master's web UI ({@code http://host:8080}); blank derives it from
     *                 the master's host and Spark's default UI port
     */
    public static ClusterShape probe(String master, String masterUi, int statedExecutors, int statedCores) {
        if (statedExecutors > 0 || statedCores > 0) {
            if (statedExecutors < 1 || statedCores < 1) {
                throw new IllegalArgumentException("State both --executors and --executor-cores (got " + statedExecutors
                        + " and " + statedCores + ")");
            }
            return ClusterShape.stated(statedExecutors, statedCores);
        }
        Matcher local = LOCAL.matcher(master.trim());
        if (local.matches()) {
            String n = local.group(1);
            int cores = n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
            return ClusterShape.local(cores, master);
        }
        Matcher standalone = STANDALONE.matcher(master.trim());
        if (standalone.matches()) {
            String ui = masterUi == null || masterUi.isBlank() ? "http://" + standalone.group(1) + ":8080" : masterUi;
            return ClusterShape.standalone(master, aliveWorkerCores(ui));
        }
        throw new IllegalArgumentException("Cannot find the cores of master " + master
                + ": state them with --executors N --executor-cores C");
    }

    static List<Integer> aliveWorkerCores(String masterUi) {
        String url = masterUi.replaceAll("/+$", "") + "/json/";
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("The Spark master at " + url + " answered " + response.statusCode());
            }
            List<Integer> cores = new ArrayList<>();
            for (JsonNode worker : new ObjectMapper().readTree(response.body()).path("workers")) {
                if ("ALIVE".equals(worker.path("state").asText())) {
                    cores.add(worker.path("cores").asInt());
                }
            }
            return cores;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the Spark master's workers at " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading " + url, e);
        }
    }
}
