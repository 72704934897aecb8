package dev.noexcuses.common.intake;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The write keys of {@code collector.write-keys} and the sources each may send events for. A key is
 * configured in clear or as {@code sha256:<64 hex digits>} (so the configuration need not hold it);
 * either way only its SHA-256 is kept here. A source may have two keys at once, the new and the old
 * one of a rotation.
 */
public final class WriteKeys {
    static final String SHA256_PREFIX = "sha256:";
    private static final int MAX_KEYS_PER_SOURCE = 2;

    private final Map<String, Set<String>> sourcesByHash;

    private WriteKeys(Map<String, Set<String>> sourcesByHash) {
        this.sourcesByHash = Map.copyOf(sourcesByHash);
    }

    /**
     * Reads {@code collector.write-keys}: entries {@code { key = "...", sources = [...] }}, or
     * {@code { keys = ["new", "old"], sources = [...] }} during a rotation.
     */
    public static WriteKeys from(Config root) {
        Map<String, Set<String>> sourcesByHash = new HashMap<>();
        Map<String, Integer> keysPerSource = new HashMap<>();
        for (Config entry : root.getConfigList("collector.write-keys")) {
            List<String> keys = entry.hasPath("keys") ? entry.getStringList("keys") : List.of(entry.getString("key"));
            Set<String> sources = Set.copyOf(entry.getStringList("sources"));
            check(!sources.isEmpty(), "collector.write-keys: an entry has no sources");
            for (String key : keys) {
                check(key != null && !key.isBlank(), "collector.write-keys: a key is blank");
                String hash = hashOfConfigured(key.trim());
                Set<String> merged = new LinkedHashSet<>(sourcesByHash.getOrDefault(hash, Set.of()));
                merged.addAll(sources);
                sourcesByHash.put(hash, Set.copyOf(merged));
                for (String source : sources) {
                    int count = keysPerSource.merge(source, 1, Integer::sum);
                    check(count <= MAX_KEYS_PER_SOURCE, "collector.write-keys: source '%s' has %s keys; at most %s"
                            + " (the new and the old key of a rotation) are valid at a time", source, count,
                            MAX_KEYS_PER_SOURCE);
                }
            }
        }
        check(!sourcesByHash.isEmpty(), "collector.write-keys must define at least one key");
        return new WriteKeys(sourcesByHash);
    }

    /**
     * A presented key, checked: the sources it may send for (empty when it is missing or unknown) and
     * its {@link #fingerprint}.
     */
    public record Check(Optional<Set<String>> sources, String fingerprint) {}

    /** Checks a presented key with one SHA-256 (the collector does this per request). */
    public Check check(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank()) {
            return new Check(Optional.empty(), "none");
        }
        String hash = sha256Hex(presentedKey.trim());
        return new Check(Optional.ofNullable(sourcesByHash.get(hash)), fingerprintOfHash(hash));
    }

    /** The sources a presented key may send for; empty when the key is missing or unknown. */
    public Optional<Set<String>> sourcesOf(String presentedKey) {
        return check(presentedKey).sources();
    }

    /**
     * The sources of the key whose {@link #fingerprint} is given, as configured now: how
     * {@code replay-dlq} learns what the key of a failed request may send today.
     */
    public Optional<Set<String>> sourcesOfFingerprint(String fingerprint) {
        if (fingerprint == null || !fingerprint.startsWith(SHA256_PREFIX)) {
            return Optional.empty();
        }
        String prefix = fingerprint.substring(SHA256_PREFIX.length());
        return sourcesByHash.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue)
                .findFirst();
    }

    /** How many distinct keys are valid. */
    public int size() {
        return sourcesByHash.size();
    }

    /** A short, non-reversible fingerprint of a presented key, safe to log and store. */
    public static String fingerprint(String key) {
        if (key == null || key.isBlank()) {
            return "none";
        }
        return fingerprintOfHash(sha256Hex(key.trim()));
    }

    private static String fingerprintOfHash(String hash) {
        return SHA256_PREFIX + hash.substring(0, 12);
    }

    /** The value to put in the configuration instead of {@code key}: {@code sha256:<hex>}. */
    public static String hashedForm(String key) {
        return SHA256_PREFIX + sha256Hex(key.trim());
    }

    private static String hashOfConfigured(String key) {
        if (!key.startsWith(SHA256_PREFIX)) {
            return sha256Hex(key);
        }
        String hex = key.substring(SHA256_PREFIX.length()).toLowerCase(java.util.Locale.ROOT);
        check(hex.matches("[0-9a-f]{64}"), "collector.write-keys: a sha256: key must be 64 hex digits, got %s digits",
                hex.length());
        return hex;
    }

    private static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No SHA-256 in this JVM", e);
        }
    }

    private static void check(boolean ok, String message, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
