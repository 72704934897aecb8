package dev.noexcuses.collector.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Maps a write key to the sources it may send events for. */
public final class WriteKeyAuthenticator {
    public static final String HEADER = "x-write-key";

    private final Map<String, Set<String>> sourcesByKey;

    public WriteKeyAuthenticator(Map<String, Set<String>> sourcesByKey) {
        this.sourcesByKey = Map.copyOf(sourcesByKey);
    }

    /** The allowed sources of {@code key}; empty when the key is missing or unknown. */
    public Optional<Set<String>> authenticate(String key) {
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(sourcesByKey.get(key.trim()));
    }

    /** A short, non-reversible fingerprint of a presented key, safe to log and store. */
    public static String fingerprint(String key) {
        if (key == null || key.isBlank()) {
            return "none";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
