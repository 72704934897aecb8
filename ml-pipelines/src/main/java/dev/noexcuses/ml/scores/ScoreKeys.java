package dev.noexcuses.ml.scores;

import java.util.regex.Pattern;

/**
 * How a model's batch scores sit in Redis. Every scoring run writes a key space of its own,
 * {@code ml:{<model>}:run:<run>:scores} (a hash user key → {@link ScoreEntry}), {@code ...:priors} (segment →
 * fallback rate) and {@code ...:meta} (model version, scored time, base rate, users); then one script moves the
 * pointer {@code ml:{<model>}:current} to it, keeps the run it replaced in {@code ml:{<model>}:previous} (for a
 * rollback) and drops every other run's keys, including those of runs that stopped before their switch. A reader
 * resolves the pointer once per request, inside the same script as its reads, so it sees one complete run or
 * the one before, never half of one. The braces put a model's keys in one Redis Cluster slot.
 */
public final class ScoreKeys {
    private static final Pattern MODEL = Pattern.compile("[a-z][a-z0-9_-]*");

    private final String prefix;

    private ScoreKeys(String prefix) {
        this.prefix = prefix;
    }

    public static ScoreKeys of(String model) {
        if (!MODEL.matcher(model).matches()) {
            throw new IllegalArgumentException("Invalid model name '" + model + "': expected lower-case letters, digits, _ and -");
        }
        return new ScoreKeys("ml:{" + model + "}");
    }

    public String prefix() {
        return prefix;
    }

    public String current() {
        return prefix + ":current";
    }

    public String previous() {
        return prefix + ":previous";
    }

    /** The runs that have (or had) a key space, switched or not. */
    public String runs() {
        return prefix + ":runs";
    }

    public String scores(String run) {
        return prefix + ":run:" + run + ":scores";
    }

    public String priors(String run) {
        return prefix + ":run:" + run + ":priors";
    }

    public String meta(String run) {
        return prefix + ":run:" + run + ":meta";
    }

    /**
     * One read: {@code KEYS[1]} the pointer; {@code ARGV[1]} the prefix, {@code ARGV[2]} the user key,
     * {@code ARGV[3]} the segment field (or empty). Returns nothing when no run was switched in yet,
     * {@code {run, "score", entry}} for a scored user, else {@code {run, "fallback", prior or "", model version,
     * scored at, base rate}}.
     */
    static final String READ_SCRIPT = """
            local run = redis.call('GET', KEYS[1])
            if not run then return false end
            local base = ARGV[1] .. ':run:' .. run
            local s = redis.call('HGET', base .. ':scores', ARGV[2])
            if s then return {run, 'score', s} end
            local m = redis.call('HMGET', base .. ':meta', 'model_version', 'scored_at', 'base_rate')
            local p = false
            if ARGV[3] ~= '' then p = redis.call('HGET', base .. ':priors', ARGV[3]) end
            return {run, 'fallback', p or '', m[1] or '', m[2] or '', m[3] or ''}
            """;

    /**
     * The switch: {@code KEYS} pointer, previous, runs; {@code ARGV[1]} the new run, {@code ARGV[2]} the prefix. The
     * run it replaces becomes the previous; the key spaces of all other runs are unlinked. Returns the replaced run.
     */
    static final String SWITCH_SCRIPT = """
            local old = redis.call('GET', KEYS[1])
            redis.call('SET', KEYS[1], ARGV[1])
            if old and old ~= ARGV[1] then redis.call('SET', KEYS[2], old) end
            local keep = {}
            keep[ARGV[1]] = true
            local prev = redis.call('GET', KEYS[2])
            if prev then keep[prev] = true end
            for _, r in ipairs(redis.call('SMEMBERS', KEYS[3])) do
              if not keep[r] then
                local base = ARGV[2] .. ':run:' .. r
                redis.call('UNLINK', base .. ':scores', base .. ':priors', base .. ':meta')
                redis.call('SREM', KEYS[3], r)
              end
            end
            return old or ''
            """;

    /** Rollback: pointer and previous swap (KEYS pointer, previous); returns the run now current, or empty. */
    static final String ROLLBACK_SCRIPT = """
            local cur = redis.call('GET', KEYS[1])
            local prev = redis.call('GET', KEYS[2])
            if not prev or not cur then return '' end
            redis.call('SET', KEYS[1], prev)
            redis.call('SET', KEYS[2], cur)
            return prev
            """;
}
