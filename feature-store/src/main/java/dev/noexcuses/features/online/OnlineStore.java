package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.definition.Freshness;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;

/**
 * Reads features from Redis: one {@code HGETALL} per entity key (pipelined for many), each value with its age and
 * {@link Freshness}, judged by the same rule as the training sets, so a value past its TTL is missing even in
 * the moment before Redis expires it.
 */
public final class OnlineStore implements AutoCloseable {
    private final JedisPooled redis;
    private final FeatureRegistry registry;
    private final Clock clock;

    public OnlineStore(RedisAccess access, FeatureRegistry registry, Clock clock) {
        this.redis = RedisConnections.pool(requireNonNull(access, "access is null"));
        this.registry = requireNonNull(registry, "registry is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public FeatureRegistry registry() {
        return registry;
    }

    /** The features named (see {@link FeatureRefs}) of one entity key. */
    public OnlineFeatures read(String key, List<String> features) {
        Map<FeatureView, List<Feature>> wanted = FeatureRefs.resolve(registry, features);
        entityOf(wanted);
        return judge(key, redis.hgetAll(RedisLayout.key(wanted.keySet().iterator().next().entity(), key)), wanted,
                clock.instant());
    }

    /** The features named of many entity keys, in one pipelined round trip. */
    public List<OnlineFeatures> read(List<String> keys, List<String> features) {
        Map<FeatureView, List<Feature>> wanted = FeatureRefs.resolve(registry, features);
        entityOf(wanted);
        List<Response<Map<String, String>>> replies = new ArrayList<>(keys.size());
        try (var pipeline = redis.pipelined()) {
            for (String key : keys) {
                replies.add(pipeline.hgetAll(RedisLayout.key(wanted.keySet().iterator().next().entity(), key)));
            }
            pipeline.sync();
        }
        Instant now = clock.instant();
        List<OnlineFeatures> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.add(judge(keys.get(i), replies.get(i).get(), wanted, now));
        }
        return out;
    }

    /** The one entity the features describe; a read across entities is refused. */
    private static String entityOf(Map<FeatureView, List<Feature>> wanted) {
        List<String> entities = wanted.keySet().stream().map(v -> v.entity().name()).distinct().toList();
        if (entities.size() != 1) {
            throw new IllegalArgumentException("One read asks for features of one entity; these are of " + entities);
        }
        return entities.get(0);
    }

    private static OnlineFeatures judge(String key, Map<String, String> hash, Map<FeatureView, List<Feature>> wanted,
                                        Instant now) {
        Map<String, FeatureValue> values = new LinkedHashMap<>();
        for (Map.Entry<FeatureView, List<Feature>> e : wanted.entrySet()) {
            FeatureView view = e.getKey();
            String time = hash.get(RedisLayout.featureTimeField(view.name()));
            Duration age = time == null ? null : Duration.between(Instant.ofEpochMilli(Long.parseLong(time)), now);
            Freshness status = age == null ? Freshness.MISSING : Freshness.of(age, view);
            for (Feature f : e.getValue()) {
                String text = hash.get(RedisLayout.field(view.name(), f.name()));
                String name = view.name() + ":" + f.name();
                values.put(name, status == Freshness.MISSING || text == null ? FeatureValue.missing(age)
                        : new FeatureValue(f.type().parse(text), age, status));
            }
        }
        return new OnlineFeatures(key, values);
    }

    @Override
    public void close() {
        redis.close();
    }
}
