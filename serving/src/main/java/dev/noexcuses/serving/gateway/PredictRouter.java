package dev.noexcuses.serving.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.analysis.ShadowComparison;
import dev.noexcuses.serving.experiments.ExperimentRouting;
import dev.noexcuses.serving.instances.ModelServerInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v1/models/{name}/predict} at the gateway: sends the request to a stable or candidate
 * model server by the model's current split, and records what each version answered. A request that
 * failed on a candidate, or was refused by a stopping stable server, is sent once more to a stable
 * one (predictions are pure, so repeating one is safe): a release never costs a client its answer.
 * Shadow copies go out after the primary answered, fire-and-forget and bounded.
 */
final class PredictRouter implements HttpService {
    private static final String VERSION_HEADER = "x-model-version";

    private final TrafficTable table;
    private final WebClient client;
    private final Map<String, AtomicInteger> shadowInFlight = new ConcurrentHashMap<>();
    private final Counter retried;
    private final Counter unavailable;
    private final ExperimentRouting experiments;

    PredictRouter(TrafficTable table, WebClient client, MeterRegistry meters, ExperimentRouting experiments) {
        this.table = requireNonNull(table, "table is null");
        this.experiments = requireNonNull(experiments, "experiments is null");
        this.client = requireNonNull(client, "client is null");
        this.retried = Counter.builder("serving_gateway_retried_requests")
                .description("Requests sent again to a stable model server after a failure elsewhere").register(meters);
        this.unavailable = Counter.builder("serving_gateway_unavailable_requests")
                .description("Requests answered 503 because no model server was ready").register(meters);
    }

    private record Answer(ModelServerInstance instance, AggregatedHttpResponse response, Throwable failure,
                          long nanos, double score) {
        boolean ok() {
            return failure == null && response.status().isSuccess();
        }
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String model = ctx.pathParam("name");
        var found = table.split(model);
        if (found.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "No model '" + model + "' is deployed at this gateway");
        }
        String path = "/v1/models/" + model + "/predict";
        return HttpResponse.of(req.aggregate().thenCompose(request -> {
            // The split as it is now: a rollout step that changes it meanwhile applies from the next request.
            TrafficSplit split = table.split(model).orElse(found.get());
            byte[] body = request.content().array();
            long started = System.nanoTime();
            // A user in an A/B experiment gets their sticky arm; every other request a random draw at the split.
            ExperimentRouting.Assignment arm = experiments.assign(model, split,
                    request.headers().get(ExperimentRouting.USER_ID_HEADER), request.headers().get(ExperimentRouting.ANONYMOUS_ID_HEADER),
                    request.headers().get(ExperimentRouting.USER_KEY_HEADER));
            boolean toCandidate = arm != null ? arm.toCandidate() : !split.candidate().isEmpty()
                    && (split.stable().isEmpty() || ThreadLocalRandom.current().nextInt(100) < split.candidatePercent());
            List<ModelServerInstance> pool = toCandidate ? split.candidate() : split.stable();
            if (pool.isEmpty()) {
                unavailable.increment();
                return CompletableFuture.completedFuture(HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
                        .contentType(MediaType.JSON_UTF_8).add(HttpHeaderNames.RETRY_AFTER, "1").build(),
                        com.linecorp.armeria.common.HttpData.ofUtf8(Json.toText(Map.of("error",
                                "No model server of '" + model + "' is ready (a recreate is replacing it)")))));
            }
            ModelServerInstance first = pick(pool, null);
            return call(first, path, body).thenCompose(answer -> {
                if (answer.ok()) {
                    return CompletableFuture.completedFuture(answer);
                }
                // The split as it is now: a server that failed because it was just taken out of traffic is not asked again.
                TrafficSplit now = table.split(model).orElse(split);
                ModelServerInstance second = retryTarget(now, first, toCandidate, answer);
                if (second == null) {
                    return CompletableFuture.completedFuture(answer);
                }
                retried.increment();
                return call(second, path, body);
            }).thenApply(answer -> {
                if (answer.ok()) {
                    split.shadow().ifPresent(mirror -> mirror(model, mirror, path, body, answer));
                }
                if (arm != null) {
                    experiments.exposed(arm, answer.instance().version(), answer.ok(), System.nanoTime() - started);
                }
                return respond(answer, arm);
            });
        }));
    }

    private static ModelServerInstance pick(List<ModelServerInstance> pool, ModelServerInstance not) {
        if (pool.size() == 1) {
            return pool.get(0).equals(not) ? null : pool.get(0);
        }
        List<ModelServerInstance> choices = not == null ? pool : pool.stream().filter(i -> !i.equals(not)).toList();
        return choices.isEmpty() ? null : choices.get(ThreadLocalRandom.current().nextInt(choices.size()));
    }

    /** Where a failed request goes once more: a stable server, never the one that failed; null for nowhere. */
    private static ModelServerInstance retryTarget(TrafficSplit split, ModelServerInstance failed, boolean wasCandidate,
                                                   Answer answer) {
        if (wasCandidate) {
            return pick(split.stable(), failed);
        }
        boolean serverSide = answer.failure() != null || answer.response().status().code() >= 500;
        if (!serverSide) {
            // The stable version refused the request itself (bad features): that is the client's answer.
            return null;
        }
        ModelServerInstance other = pick(split.stable(), failed);
        return other != null ? other : pick(split.candidate(), null);
    }

    private CompletableFuture<Answer> call(ModelServerInstance instance, String path, byte[] body) {
        long t0 = System.nanoTime();
        return client.execute(HttpRequest.of(HttpMethod.POST, instance.url() + path, MediaType.JSON_UTF_8, body))
                .aggregate()
                .handle((res, failure) -> {
                    long nanos = System.nanoTime() - t0;
                    double score = Double.NaN;
                    if (failure == null && res.status().isSuccess()) {
                        score = scoreOf(res.content().array());
                    }
                    Answer answer = new Answer(instance, res, failure, nanos, score);
                    table.stats(instance.model(), instance.version()).record(answer.ok(), nanos, score);
                    return answer;
                });
    }

    /** The answer's {@code score}, read with the streaming parser: no tree per request; NaN when there is none. */
    static double scoreOf(byte[] answer) {
        try (com.fasterxml.jackson.core.JsonParser parser = Json.mapper().getFactory().createParser(answer)) {
            if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return Double.NaN;
            }
            while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
                if ("score".equals(field)) {
                    return value.isNumeric() ? parser.getDoubleValue() : Double.NaN;
                }
                parser.skipChildren();
            }
            return Double.NaN;
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
    }

    private void mirror(String model, TrafficSplit.Mirror mirror, String path, byte[] body, Answer primary) {
        if (mirror.instances().isEmpty() || ThreadLocalRandom.current().nextDouble() >= mirror.share()) {
            return;
        }
        ShadowComparison comparison = table.comparison(model).orElse(null);
        AtomicInteger inFlight = shadowInFlight.computeIfAbsent(model, m -> new AtomicInteger());
        if (inFlight.incrementAndGet() > mirror.queue()) {
            inFlight.decrementAndGet();
            if (comparison != null) {
                comparison.dropped();
            }
            return;
        }
        call(pick(mirror.instances(), null), path, body).whenComplete((shadow, failure) -> {
            inFlight.decrementAndGet();
            if (comparison == null) {
                return;
            }
            if (failure != null || !shadow.ok() || Double.isNaN(shadow.score())) {
                comparison.shadowFailed();
            } else {
                comparison.compare(primary.score(), shadow.score(), primary.nanos(), shadow.nanos());
            }
        });
    }

    private static HttpResponse respond(Answer answer, ExperimentRouting.Assignment arm) {
        if (answer.failure() != null) {
            return error(HttpStatus.BAD_GATEWAY, "Model server " + answer.instance().url() + " failed: "
                    + answer.failure().getClass().getSimpleName() + " " + answer.failure().getMessage());
        }
        AggregatedHttpResponse res = answer.response();
        var headers = ResponseHeaders.builder(res.status())
                .contentType(res.contentType() != null ? res.contentType() : MediaType.JSON_UTF_8)
                .add(VERSION_HEADER, answer.instance().version());
        if (arm != null) {
            headers.add(ExperimentRouting.EXPERIMENT_HEADER, arm.experiment()).add(ExperimentRouting.ARM_HEADER, arm.arm());
        }
        return HttpResponse.of(headers.build(), res.content());
    }

    static HttpResponse error(HttpStatus status, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toText(Map.of("error", message)));
    }
}
