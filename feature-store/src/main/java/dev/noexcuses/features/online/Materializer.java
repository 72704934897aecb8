package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.lakehouse.Progress;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Copies each entity's latest offline row of a view into Redis ({@link RedisLayout}). Only entities with rows
 * built since the last completed run are written; rows are streamed in key order and sent in pipelined chunks,
 * each chunk followed by a note of how far the run got, so a run that crashed continues after its last chunk
 * instead of starting over. A value whose TTL has passed is not written (it would be missing anyway), and each
 * hash expires with its values.
 */
public final class Materializer {
    /**
     * What a run of one view did. {@code readSeconds} is the time spent waiting for rows from the offline store (the
     * Spark query), {@code writeSeconds} the time spent sending them to Redis and waiting for its replies.
     */
    public record Outcome(String view, long written, boolean resumed, boolean upToDate, long chunks, double readSeconds,
                          double writeSeconds) {}

    /** Told after each chunk reached Redis, with the last key written. */
    public interface ChunkListener {
        ChunkListener NONE = (view, chunk, lastKey) -> {};

        void written(String view, long chunk, String lastKey);
    }

    private final SparkSession spark;
    private final RedisAccess redis;
    private final int chunkSize;
    private final Clock clock;
    private final Progress progress;

    public Materializer(SparkSession spark, RedisAccess redis, int chunkSize, Clock clock, Progress progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.redis = requireNonNull(redis, "redis is null");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("Invalid chunk size " + chunkSize + ": expected at least 1");
        }
        this.chunkSize = chunkSize;
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public Outcome materialize(FeatureView view, ChunkListener listener) {
        if (!spark.catalog().tableExists(view.table())) {
            throw new IllegalStateException(view.table() + " does not exist yet: build it first (./platform features build)");
        }
        Row newest = spark.sql("SELECT max(unix_micros(built_at)) FROM " + view.table()).first();
        if (newest.isNullAt(0)) {
            progress.line("  [materialize] %s: no rows yet", view.name());
            return new Outcome(view.name(), 0, false, true, 0, 0, 0);
        }
        long target = newest.getLong(0);
        String stateKey = RedisLayout.stateKey(view.name());
        try (Jedis jedis = RedisConnections.connect(redis)) {
            Map<String, String> state = jedis.hgetAll(stateKey);
            Long watermark = state.containsKey("watermark") ? Long.valueOf(state.get("watermark")) : null;
            if (watermark != null && target <= watermark) {
                progress.line("  [materialize] %s: up to date (nothing built since the last run)", view.name());
                return new Outcome(view.name(), 0, false, true, 0, 0, 0);
            }
            String cursor = String.valueOf(target).equals(state.get("target")) ? state.get("cursor") : null;
            String script = jedis.scriptLoad(RedisLayout.WRITE_SCRIPT);
            Instant now = clock.instant();
            long nowMicros = now.toEpochMilli() * 1000;
            long ttlMicros = view.ttl().toNanos() / 1000;
            String key = view.entity().joinKey();
            // Rows older than the TTL cannot be served: only the days that can still hold a usable row are read.
            LocalDate oldest = now.minus(view.ttl()).atZone(ZoneOffset.UTC).toLocalDate().minusDays(1);
            String sql = """
                    WITH changed AS (SELECT DISTINCT %1$s FROM %2$s WHERE unix_micros(built_at) > %3$d),
                    usable AS (
                      SELECT f.*, row_number() OVER (PARTITION BY f.%1$s ORDER BY f.feature_time DESC) AS position
                      FROM %2$s f LEFT SEMI JOIN changed c ON f.%1$s = c.%1$s
                      WHERE f.feature_date >= DATE '%4$s' AND unix_micros(f.feature_time) <= %5$d
                        AND unix_micros(f.feature_time) + %6$d > %5$d)
                    SELECT * FROM usable WHERE position = 1 %7$s ORDER BY %1$s
                    """.formatted(key, view.table(), watermark == null ? -1L : watermark, oldest, nowMicros,
                    ttlMicros, cursor == null ? "" : "AND " + key + " > '" + cursor.replace("'", "''") + "'");
            if (cursor != null) {
                progress.line("  [materialize] %s: resuming after key %s (an earlier run stopped there)", view.name(),
                        cursor);
            }
            Instant started = Instant.now();
            long readNanos = 0;
            long writeNanos = 0;
            long t = System.nanoTime();
            Iterator<Row> rows = spark.sql(sql).toLocalIterator();
            long written = 0;
            long chunks = 0;
            List<Row> chunk = new ArrayList<>(chunkSize);
            while (rows.hasNext()) {
                chunk.add(rows.next());
                if (chunk.size() == chunkSize || !rows.hasNext()) {
                    long w = System.nanoTime();
                    readNanos += w - t;
                    String last = write(jedis, script, view, chunk, now, stateKey, target);
                    t = System.nanoTime();
                    writeNanos += t - w;
                    written += chunk.size();
                    chunks++;
                    chunk.clear();
                    listener.written(view.name(), chunks, last);
                    if (chunks % 50 == 0) {
                        progress.stage("materialize", view.name() + " (" + chunks + " chunks)", written, started);
                    }
                }
            }
            readNanos += System.nanoTime() - t;
            Pipeline done = jedis.pipelined();
            done.hset(stateKey, Map.of("watermark", String.valueOf(target), "updated_at", now.toString(),
                    "rows", String.valueOf(written)));
            done.hdel(stateKey, "target", "cursor");
            done.sync();
            progress.stage("materialize", view.name() + " into Redis", written, started);
            progress.line("  [materialize] %s: %.1f s reading the offline rows (Spark), %.1f s writing to Redis",
                    view.name(), readNanos / 1e9, writeNanos / 1e9);
            return new Outcome(view.name(), written, cursor != null, false, chunks, readNanos / 1e9, writeNanos / 1e9);
        }
    }

    /** One pipelined round of the chunk's hashes, then, once all were taken, how far the run got. Returns the chunk's last key. */
    private static String write(Jedis jedis, String script, FeatureView view, List<Row> chunk, Instant now,
                                String stateKey, long target) {
        Pipeline pipeline = jedis.pipelined();
        String keyColumn = view.entity().joinKey();
        String last = null;
        String nowMillis = String.valueOf(now.toEpochMilli());
        for (Row r : chunk) {
            String entityKey = r.getAs(keyColumn);
            long featureTime = ((java.sql.Timestamp) r.getAs("feature_time")).getTime();
            List<String> deleted = new ArrayList<>();
            List<String> pairs = new ArrayList<>();
            pairs.add(RedisLayout.featureTimeField(view.name()));
            pairs.add(String.valueOf(featureTime));
            for (Feature f : view.features()) {
                Object value = r.getAs(f.name());
                String field = RedisLayout.field(view.name(), f.name());
                if (value == null) {
                    deleted.add(field);
                } else {
                    pairs.add(field);
                    pairs.add(value.toString());
                }
            }
            List<String> args = new ArrayList<>(4 + deleted.size() + pairs.size());
            args.add(String.valueOf(featureTime + view.ttl().toMillis()));
            args.add(nowMillis);
            args.add(String.valueOf(deleted.size()));
            args.addAll(deleted);
            args.addAll(pairs);
            pipeline.evalsha(script, List.of(RedisLayout.key(view.entity(), entityKey)), args);
            last = entityKey;
        }
        for (Object reply : pipeline.syncAndReturnAll()) {
            if (reply instanceof Exception e) {
                // A full server (maxmemory, noeviction) or a read-only replica: say so instead of losing rows. The
                // cursor stays before this chunk, so the next run writes it again.
                throw new IllegalStateException("Redis refused a write of " + view.name() + ": " + e.getMessage(), e);
            }
        }
        jedis.hset(stateKey, Map.of("target", String.valueOf(target), "cursor", last));
        return last;
    }
}
