package dev.noexcuses.ml.scores;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import dev.noexcuses.common.json.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/scores/churn/{user_key}[?country=DE&device=mobile][&fallback=false]}: the user's churn score from
 * the last batch run with its model version and age; for a user that run did not score, its fallback, flagged
 * ({@code "fallback": true}, {@code "fallback_kind": "segment_prior"} when country or device is given and the run
 * saw users of that segment, else {@code "base_rate"}). 404 before the first run, or for an unscored user when
 * {@code fallback=false}; 400 for a malformed key.
 *
 * <p>Served on the server's event loop, not its blocking executor: the read is one Redis round trip on loopback
 * (a tenth of a millisecond, bounded by {@link ScoreReader#TIMEOUT}), and the hop to another thread and back cost
 * more than that at the tail on a loaded machine (docs/benchmarks.md, ML pipelines).
 */
public final class ScoresApi {
    /** Longest user key accepted (the lake's keys are ids of a few dozen characters). */
    static final int MAX_KEY_LENGTH = 256;

    private final ScoreReader reader;
    private final Map<ScoreReader.Kind, Timer> timers;
    private final Timer notFound;
    private final Timer badRequest;

    public ScoresApi(ScoreReader reader, MeterRegistry meters) {
        this.reader = requireNonNull(reader, "reader is null");
        this.timers = Map.of(
                ScoreReader.Kind.SCORE, timer(meters, "score"),
                ScoreReader.Kind.SEGMENT_PRIOR, timer(meters, "segment_prior"),
                ScoreReader.Kind.BASE_RATE, timer(meters, "base_rate"));
        this.notFound = timer(meters, "not_found");
        this.badRequest = timer(meters, "bad_request");
    }

    private static Timer timer(MeterRegistry meters, String outcome) {
        return Timer.builder("churn_scores_requests").description("Churn score reads by outcome")
                .tag("outcome", outcome).publishPercentiles(0.5, 0.99).register(meters);
    }

    @Get("/v1/scores/churn/{key}")
    public HttpResponse churn(@Param("key") String key, @Param("country") Optional<String> country,
                              @Param("device") Optional<String> device, @Param("fallback") Optional<Boolean> fallback) {
        long t0 = System.nanoTime();
        String problem = problem(key, country.orElse(null), device.orElse(null));
        if (problem != null) {
            badRequest.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            return error(HttpStatus.BAD_REQUEST, problem);
        }
        Optional<ScoreReader.Result> read = reader.read(key, country.orElse(null), device.orElse(null));
        if (read.isEmpty()) {
            notFound.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            return error(HttpStatus.NOT_FOUND, "No churn scores are loaded yet: run ./platform ml score (the batch_scoring DAG)");
        }
        ScoreReader.Result r = read.get();
        if (r.fallback() && !fallback.orElse(true)) {
            notFound.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            return error(HttpStatus.NOT_FOUND, "The last scoring run (" + r.run() + ") did not score user '" + key
                    + "' (new since, or inactive): ask without fallback=false for its fallback");
        }
        HttpResponse response = HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, Json.toBytes(toJson(r,
                reader.clock().instant())));
        timers.get(r.kind()).record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        return response;
    }

    static ObjectNode toJson(ScoreReader.Result r, Instant now) {
        ObjectNode out = Json.mapper().createObjectNode().put("user_key", r.userKey()).put("score", r.score())
                .put("model", r.model()).put("model_version", r.modelVersion()).put("fallback", r.fallback());
        if (r.fallback()) {
            out.put("fallback_kind", r.kind() == ScoreReader.Kind.SEGMENT_PRIOR ? "segment_prior" : "base_rate");
            if (r.segment() != null) {
                out.put("segment", r.segment()).put("segment_users", r.segmentUsers());
            }
        } else {
            out.put("feature_time", r.featureTime().toString());
        }
        out.put("scored_at", r.scoredAt().toString()).put("age_seconds", r.age(now).toMillis() / 1000.0).put("run", r.run());
        return out;
    }

    /** What is wrong with the request, or null. */
    static String problem(String key, String country, String device) {
        if (key == null || key.isBlank()) {
            return "Missing user key: expected GET /v1/scores/churn/{user_key}";
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return "User key of " + key.length() + " characters: at most " + MAX_KEY_LENGTH;
        }
        if (key.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            return "Invalid user key: control characters or spaces are not part of a user key";
        }
        for (String[] p : new String[][] {{"country", country}, {"device", device}}) {
            if (p[1] != null && (p[1].length() > 64 || p[1].contains("|"))) {
                return "Invalid " + p[0] + " '" + p[1] + "': at most 64 characters, no '|'";
            }
        }
        return null;
    }

    private static HttpResponse error(HttpStatus status, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(Json.mapper().createObjectNode().put("error", message)));
    }
}
