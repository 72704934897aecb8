package dev.noexcuses.features.online;

import dev.noexcuses.features.definition.Entity;

/**
 * How feature values sit in Redis: one hash per entity key, {@code fs:<entity>:<key>}, with a field per feature
 * ({@code <view>:<feature>}, the value as text) and per view the feature time ({@code <view>:_feature_time},
 * epoch milliseconds) that ages are counted from. The hash expires when the last of its views' values passes
 * its TTL. What a materialisation of a view has done is kept beside, in {@code fs:materialized:<view>}.
 */
public final class RedisLayout {
    public static final String FEATURE_TIME = "_feature_time";

    private RedisLayout() {}

    public static String key(Entity entity, String entityKey) {
        return "fs:" + entity.name() + ":" + entityKey;
    }

    public static String field(String view, String feature) {
        return view + ":" + feature;
    }

    public static String featureTimeField(String view) {
        return view + ":" + FEATURE_TIME;
    }

    public static String stateKey(String view) {
        return "fs:materialized:" + view;
    }

    /**
     * Writes one entity's values of one view: {@code KEYS[1]} the hash; {@code ARGV[1]} when the values expire
     * (epoch ms), {@code ARGV[2]} now (epoch ms, the writer's clock), {@code ARGV[3]} how many fields to delete (n),
     * then those n fields (values that are empty now), then field/value pairs. The hash's expiry moves only later,
     * so another view's values that are still valid stay.
     */
    public static final String WRITE_SCRIPT = """
            local n = tonumber(ARGV[3])
            if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 4, 3 + n)) end
            if #ARGV > 3 + n then redis.call('HSET', KEYS[1], unpack(ARGV, 4 + n)) end
            local expireAt = tonumber(ARGV[1])
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl == -1 or tonumber(ARGV[2]) + ttl < expireAt then redis.call('PEXPIREAT', KEYS[1], expireAt) end
            return 1
            """;
}
