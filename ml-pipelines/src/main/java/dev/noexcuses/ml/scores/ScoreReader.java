package dev.noexcuses.ml.scores;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.online.RedisConnections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Reads a user's batch score from Redis in one round trip (a script that resolves the current run and reads from
 * it), or the fallback of the run for a user it did not score: the segment prior, else the base rate. Connects and
 * reads give up after {@link #TIMEOUT}: the scores API reads on its event loops.
 */
public final class ScoreReader implements AutoCloseable {
    /** Longest a read may wait for Redis (one loopback round trip takes a tenth of a millisecond). */
    static final Duration TIMEOUT = Duration.ofMillis(500);

    public enum Kind { SCORE, SEGMENT_PRIOR, BASE_RATE }

    /**
     * What a read found. For a fallback, {@code featureTime} is null, {@code segmentUsers} the scored users the
     * prior rests on (0 for the base rate).
     */
    public record Result(String userKey, Kind kind, double score, String model, int modelVersion, Instant scoredAt,
                         Instant featureTime, String run, String segment, long segmentUsers) {
        public boolean fallback() {
            return kind != Kind.SCORE;
        }

        public Duration age(Instant now) {
            return Duration.between(scoredAt, now);
        }
    }

    private final JedisPooled redis;
    private final ScoreKeys keys;
    private final String model;
    private final Clock clock;
    private volatile String sha;

    public ScoreReader(RedisAccess access, String model, Clock clock) {
        this.redis = RedisConnections.pool(requireNonNull(access, "access is null"), TIMEOUT);
        this.model = requireNonNull(model, "model is null");
        this.keys = ScoreKeys.of(model);
        this.clock = requireNonNull(clock, "clock is null");
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The user's score; empty when no run was loaded yet.
     *
     * @param country, device the caller's knowledge of the user, for the segment prior (null when unknown)
     */
    public Optional<Result> read(String userKey, String country, String device) {
        String segment = country == null && device == null ? "" : SegmentPriors.segment(country, device);
        Object reply = eval(List.of(keys.current()), List.of(keys.prefix(), userKey, segment));
        if (!(reply instanceof List<?> parts) || parts.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parse(userKey, model, segment, parts.stream().map(ScoreReader::text).toList()));
    }

    /** The current run's meta (users, scored time ...), or empty before the first run. */
    public Optional<java.util.Map<String, String>> currentRun() {
        String run = redis.get(keys.current());
        if (run == null) {
            return Optional.empty();
        }
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(redis.hgetAll(keys.meta(run)));
        meta.put("run", run);
        return Optional.of(meta);
    }

    static Result parse(String userKey, String model, String segment, List<String> parts) {
        String run = parts.get(0);
        if (parts.get(1).equals("score")) {
            ScoreEntry e = ScoreEntry.decode(parts.get(2));
            return new Result(userKey, Kind.SCORE, e.score(), model, e.modelVersion(), e.scoredAt(), e.featureTime(), run,
                    null, 0);
        }
        int version = parts.get(3).isEmpty() ? 0 : Integer.parseInt(parts.get(3));
        Instant scoredAt = parts.get(4).isEmpty() ? Instant.EPOCH : Instant.ofEpochMilli(Long.parseLong(parts.get(4)));
        if (!parts.get(2).isEmpty()) {
            SegmentPriors.Prior prior = SegmentPriors.Prior.decode(parts.get(2));
            return new Result(userKey, Kind.SEGMENT_PRIOR, prior.rate(), model, version, scoredAt, null, run, segment,
                    prior.users());
        }
        double base = parts.get(5).isEmpty() ? Double.NaN : Double.parseDouble(parts.get(5));
        return new Result(userKey, Kind.BASE_RATE, base, model, version, scoredAt, null, run, null, 0);
    }

    private Object eval(List<String> k, List<String> args) {
        String script = sha;
        if (script == null) {
            script = sha = redis.scriptLoad(ScoreKeys.READ_SCRIPT, k.get(0));
        }
        try {
            return redis.evalsha(script, k, args);
        } catch (JedisNoScriptException e) {
            // Redis restarted (or SCRIPT FLUSH): load it again.
            sha = redis.scriptLoad(ScoreKeys.READ_SCRIPT, k.get(0));
            return redis.evalsha(sha, k, args);
        }
    }

    private static String text(Object part) {
        return part instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(part);
    }

    @Override
    public void close() {
        redis.close();
    }
}
