package dev.noexcuses.ml.scores;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.online.RedisConnections;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Loads one scoring run into Redis ({@link ScoreKeys}): the run's own key space first, in pipelined chunks, then
 * its priors and meta, then the atomic switch of the pointer. Until the switch, readers keep reading the previous
 * complete run, whatever happens to this one (a crash, a kill, a lost connection); the next run's switch removes
 * what such a run left.
 */
public final class ScoreLoader {
    /** The connection's name in {@code CLIENT LIST}. */
    public static final String CLIENT_NAME = "ml-scores-loader";

    /** Told after each chunk reached Redis. */
    public interface ChunkListener {
        ChunkListener NONE = (chunk, users) -> {};

        void written(long chunk, long users);
    }

    /** What the run is: its id (unique per attempt), the model and version that scored, when, and the base rate. */
    public record RunMeta(String runId, String model, int modelVersion, Instant scoredAt, double baseRate) {
        public RunMeta {
            requireNonNull(runId, "runId is null");
            requireNonNull(model, "model is null");
            requireNonNull(scoredAt, "scoredAt is null");
            if (!runId.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("Invalid run id '" + runId + "': expected letters, digits, _ . -");
            }
        }
    }

    /** One user's score to load. */
    public record UserScore(String userKey, ScoreEntry entry) {}

    /** What the load did: users written, the run it replaced (empty for the first). */
    public record Outcome(long users, long chunks, String replaced) {}

    private final RedisAccess redis;
    private final ScoreKeys keys;
    private final int chunkSize;

    public ScoreLoader(RedisAccess redis, ScoreKeys keys, int chunkSize) {
        this.redis = requireNonNull(redis, "redis is null");
        this.keys = requireNonNull(keys, "keys is null");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("Invalid chunk size " + chunkSize + ": expected at least 1");
        }
        this.chunkSize = chunkSize;
    }

    public Outcome load(RunMeta meta, Iterator<UserScore> users, Map<String, SegmentPriors.Prior> priors,
                        ChunkListener listener) {
        try (Jedis jedis = RedisConnections.connect(redis)) {
            jedis.clientSetname(CLIENT_NAME);
            String run = meta.runId();
            // Registered before anything is written, so a run that dies half-way is found and removed later.
            jedis.sadd(keys.runs(), run);
            jedis.del(keys.scores(run), keys.priors(run), keys.meta(run));
            long written = 0;
            long chunks = 0;
            Map<String, String> chunk = new HashMap<>();
            while (users.hasNext()) {
                UserScore u = users.next();
                chunk.put(u.userKey(), u.entry().encode());
                if (chunk.size() == chunkSize || !users.hasNext()) {
                    write(jedis, keys.scores(run), chunk);
                    written += chunk.size();
                    chunks++;
                    chunk.clear();
                    listener.written(chunks, written);
                }
            }
            if (!chunk.isEmpty()) {
                write(jedis, keys.scores(run), chunk);
                written += chunk.size();
                chunks++;
            }
            Pipeline p = jedis.pipelined();
            Map<String, String> encoded = new HashMap<>();
            priors.forEach((segment, prior) -> encoded.put(segment, prior.encode()));
            if (!encoded.isEmpty()) {
                p.hset(keys.priors(run), encoded);
            }
            p.hset(keys.meta(run), Map.of("model", meta.model(), "model_version", String.valueOf(meta.modelVersion()),
                    "scored_at", String.valueOf(meta.scoredAt().toEpochMilli()), "base_rate", String.valueOf(meta.baseRate()),
                    "users", String.valueOf(written), "loaded_at", String.valueOf(System.currentTimeMillis())));
            check(p.syncAndReturnAll(), run);
            Object replaced = jedis.eval(ScoreKeys.SWITCH_SCRIPT, List.of(keys.current(), keys.previous(), keys.runs()),
                    List.of(run, keys.prefix()));
            return new Outcome(written, chunks, String.valueOf(replaced));
        }
    }

    /** Points readers back at the previous run (and keeps the current as the previous); empty when there is none. */
    public static String rollback(RedisAccess redis, ScoreKeys keys) {
        try (Jedis jedis = RedisConnections.connect(redis)) {
            return String.valueOf(jedis.eval(ScoreKeys.ROLLBACK_SCRIPT, List.of(keys.current(), keys.previous()), List.of()));
        }
    }

    private static void write(Jedis jedis, String key, Map<String, String> chunk) {
        Pipeline p = jedis.pipelined();
        p.hset(key, chunk);
        check(p.syncAndReturnAll(), key);
    }

    private static void check(List<Object> replies, String what) {
        for (Object reply : replies) {
            if (reply instanceof Exception e) {
                // A full server (maxmemory, noeviction) or a read-only replica: the pointer stays where it was.
                throw new IllegalStateException("Redis refused a write of " + what + ": " + e.getMessage(), e);
            }
        }
    }
}
