package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the index templates of the daily indices, with explicit mappings: keyword ids, dates, a geo
 * point for the enriched location, and {@code dynamic: false} everywhere, so that fields nobody mapped
 * stay in {@code _source} without growing the mapping. The free-form {@code data} is mapped as one
 * field by {@link DataMapping}.
 */
public final class IndexTemplates {
    private static final Logger LOG = LoggerFactory.getLogger(IndexTemplates.class);

    /** What the templates need to know about the indices. */
    public record Options(String enrichedPrefix, String failedPrefix, int shards, int replicas,
                          Duration refreshInterval, DataMapping dataMapping) {
        public Options {
            requireNonNull(enrichedPrefix, "enrichedPrefix is null");
            requireNonNull(failedPrefix, "failedPrefix is null");
            requireNonNull(refreshInterval, "refreshInterval is null");
            requireNonNull(dataMapping, "dataMapping is null");
        }
    }

    private final ClusterCalls calls;
    private final Options options;

    public IndexTemplates(OpenSearchClient client, Options options) {
        this.calls = new ClusterCalls(client);
        this.options = requireNonNull(options, "options is null");
    }

    /** Puts both templates (idempotent); returns the cluster's distribution and version for the log. */
    public String install() throws IOException {
        JsonNode version = calls.call("GET", "/", null).path("version");
        boolean elasticsearch = !version.path("distribution").asText("").equals("opensearch");
        String cluster = (elasticsearch ? "elasticsearch " : "opensearch ") + version.path("number").asText("?");
        for (String kind : List.of("enriched", "failed")) {
            String prefix = kind.equals("enriched") ? options.enrichedPrefix() : options.failedPrefix();
            calls.call("PUT", "/_index_template/" + prefix + "template", template(kind, prefix, elasticsearch).toString());
        }
        LOG.debug("Index templates installed on {} ({})", cluster, options.dataMapping());
        return cluster;
    }

    ObjectNode template(String kind, String prefix, boolean elasticsearch) {
        ObjectNode template;
        try (InputStream in = IndexTemplates.class.getResourceAsStream("/templates/events-" + kind + ".json")) {
            template = (ObjectNode) Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the " + kind + " index template", e);
        }
        template.putArray("index_patterns").add(prefix + "*");
        ObjectNode body = (ObjectNode) template.path("template");
        ObjectNode settings = body.putObject("settings");
        settings.put("number_of_shards", options.shards());
        settings.put("number_of_replicas", options.replicas());
        settings.put("refresh_interval", options.refreshInterval().toMillis() + "ms");
        ObjectNode properties = (ObjectNode) body.path("mappings").path("properties");
        JsonNode freeForm;
        try {
            freeForm = Json.mapper().readTree(options.dataMapping().mappingJson(elasticsearch));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The free-form parts: the event's data, and the context map of failed records.
        for (String field : List.of("data", "context")) {
            if (properties.has(field)) {
                properties.set(field, freeForm);
            }
        }
        return template;
    }
}
