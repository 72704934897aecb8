package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Request;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

/**
 * Plain JSON requests through the client's generic API, for the administrative calls (templates,
 * listing and deleting indices) whose bodies are the same on OpenSearch and Elasticsearch.
 */
final class ClusterCalls {
    private final OpenSearchClient client;

    ClusterCalls(OpenSearchClient client) {
        this.client = requireNonNull(client, "client is null");
    }

    /** The answer of a 2xx call; anything else is an {@link IOException} naming the call and the answer. */
    JsonNode call(String method, String endpoint, String jsonBody) throws IOException {
        Requests.JsonBodyBuilder builder = Requests.builder().method(method).endpoint(endpoint);
        if (jsonBody != null) {
            builder.body(Body.from(jsonBody.getBytes(StandardCharsets.UTF_8), "application/json"));
        }
        Request request = builder.build();
        try (Response response = client.generic().execute(request)) {
            byte[] body = response.getBody().map(Body::bodyAsBytes).orElse(new byte[0]);
            if (response.getStatus() / 100 != 2) {
                throw new ClusterCallException(response.getStatus(), method + " " + endpoint + " answered "
                        + response.getStatus() + ": " + new String(body, StandardCharsets.UTF_8));
            }
            return body.length == 0 ? Json.mapper().createObjectNode() : Json.mapper().readTree(body);
        }
    }

    /** A call the cluster answered with an error status. */
    static final class ClusterCallException extends IOException {
        private final int status;

        ClusterCallException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
