package dev.noexcuses.enricher.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Schemas from a static HTTP registry: {@code GET <base>/<vendor>/<name>/<version>}, e.g. the
 * enrichment API's {@code http://host:8081/v1/schemas}. 404 means "no such schema".
 */
public final class HttpSchemaSource implements SchemaSource {
    private final String baseUrl;
    private final WebClient client;
    private final Duration timeout;

    public HttpSchemaSource(String baseUrl, Duration timeout) {
        this.baseUrl = requireNonNull(baseUrl, "baseUrl is null").replaceAll("/+$", "");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.client = WebClient.builder(this.baseUrl).responseTimeout(timeout).build();
    }

    @Override
    public JsonNode fetch(SchemaRef ref) {
        String path = "/" + ref.vendor() + "/" + ref.name() + "/" + ref.version();
        AggregatedHttpResponse res;
        try {
            res = client.get(path).aggregate().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("Interrupted while fetching schema " + ref, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new RegistryUnavailableException("Cannot fetch schema " + ref + " from " + baseUrl + ": " + cause, cause);
        }
        if (res.status().equals(HttpStatus.NOT_FOUND)) {
            throw new SchemaNotFoundException("Unknown schema or version " + ref + ": not in the registry at " + baseUrl);
        }
        if (!res.status().equals(HttpStatus.OK)) {
            throw new RegistryUnavailableException("Cannot fetch schema " + ref + " from " + baseUrl + ": HTTP "
                    + res.status() + " " + res.contentUtf8(), null);
        }
        try {
            return Json.mapper().readTree(res.content().array());
        } catch (IOException e) {
            throw new RegistryUnavailableException("Schema " + ref + " from " + baseUrl + " is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return baseUrl;
    }
}
