package dev.noexcuses.enricher.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerListener;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.circuitbreaker.FailFastException;
import com.linecorp.armeria.client.metric.MetricCollectingClient;
import com.linecorp.armeria.client.retry.Backoff;
import com.linecorp.armeria.client.retry.RetryRule;
import com.linecorp.armeria.client.retry.RetryingClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.common.util.Exceptions;
import dev.noexcuses.common.json.Json;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls the enrichment API with a timeout per attempt, bounded retries with backoff and a circuit
 * breaker: once the API fails often enough the circuit opens and calls fail at once, so a down API
 * costs each event microseconds, not the full timeout; trial requests close it again when the API
 * is back.
 */
public final class EnrichmentApiClient implements AutoCloseable {
    private final ApiSettings settings;
    private final ClientFactory factory;
    private final WebClient client;
    private final CircuitBreaker circuitBreaker;

    public EnrichmentApiClient(ApiSettings settings, MeterRegistry meters) {
        this.settings = requireNonNull(settings, "settings is null");
        ClientFactoryBuilder factoryBuilder = ClientFactory.builder()
                .connectTimeout(settings.connectTimeout())
                .meterRegistry(meters);
        if (!settings.caFile().isBlank()) {
            // An API with a certificate from the operator's own authority: trust that authority only.
            File ca = new File(settings.caFile());
            if (!ca.canRead()) {
                throw new IllegalArgumentException("Cannot read enricher.api.tls.ca-file " + ca.getAbsolutePath());
            }
            factoryBuilder.tlsCustomizer(tls -> tls.trustManager(ca));
        }
        this.factory = factoryBuilder.build();
        this.circuitBreaker = CircuitBreaker.builder("enrichment-api")
                .failureRateThreshold(settings.failureRate())
                .minimumRequestThreshold(settings.minimumRequests())
                .circuitOpenWindow(settings.circuitOpenWindow())
                .trialRequestInterval(settings.trialInterval())
                .counterSlidingWindow(settings.counterWindow())
                .counterUpdateInterval(java.time.Duration.ofMillis(
                        Math.max(100, Math.min(1000, settings.counterWindow().toMillis() / 10))))
                .listener(CircuitBreakerListener.metricCollecting(meters, "enricher_api_circuit_breaker"))
                .build();
        CircuitBreakerRule failures = CircuitBreakerRule.builder().onServerErrorStatus().onException().thenFailure();
        CircuitBreakerRule successes = CircuitBreakerRule.builder().thenSuccess();
        RetryRule retry = RetryRule.builder()
                .onServerErrorStatus()
                .onException((ctx, cause) -> !(Exceptions.peel(cause) instanceof FailFastException))
                .thenBackoff(Backoff.exponential(settings.backoffInitial().toMillis(), settings.backoffMax().toMillis()));
        this.client = WebClient.builder(settings.url())
                .factory(factory)
                .responseTimeout(settings.totalTimeout())
                .decorator(CircuitBreakerClient.newDecorator(circuitBreaker, failures.orElse(successes)))
                .decorator(RetryingClient.builder(retry)
                        .maxTotalAttempts(settings.maxAttempts())
                        .responseTimeoutForEachAttempt(settings.attemptTimeout())
                        .newDecorator())
                .decorator(MetricCollectingClient.newDecorator(MeterIdPrefixFunction.ofDefault("enricher_api_client")))
                .build();
    }

    /**
     * POSTs {@code body} (JSON) to {@code path} and returns the JSON answer; blocks at most
     * {@link ApiSettings#totalTimeout()}.
     *
     * @throws ApiCallException when the call fails, times out, answers non-2xx, or the circuit is open
     */
    public JsonNode post(String path, byte[] body) {
        AggregatedHttpResponse res;
        try {
            res = client.execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body))
                    .aggregate()
                    .get(settings.totalTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiCallException("Interrupted calling the enrichment API " + path, e);
        } catch (ExecutionException e) {
            Throwable cause = Exceptions.peel(e);
            String why = cause instanceof FailFastException ? "circuit breaker open (the API failed recently)"
                    : cause.toString();
            throw new ApiCallException("Enrichment API " + settings.url() + path + " failed: " + why, cause);
        } catch (TimeoutException e) {
            throw new ApiCallException("Enrichment API " + settings.url() + path + " timed out after "
                    + settings.totalTimeout().toMillis() + " ms", e);
        }
        if (!res.status().equals(HttpStatus.OK)) {
            throw new ApiCallException("Enrichment API " + settings.url() + path + " answered " + res.status() + ": "
                    + truncate(res.contentUtf8()), null);
        }
        try {
            return Json.mapper().readTree(res.content().array());
        } catch (IOException e) {
            throw new ApiCallException("Enrichment API " + settings.url() + path + " answered invalid JSON: "
                    + e.getMessage(), e);
        }
    }

    public String url() {
        return settings.url();
    }

    private static String truncate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        factory.close();
    }
}
