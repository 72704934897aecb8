package dev.noexcuses.common.security;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The platform's secrets: which settings hold one, the public defaults they ship with, and the
 * two rules every service follows. A default secret is only accepted while the service listens on
 * loopback alone ({@link #refuseDefaultsOffLoopback}); a secret is never printed ({@link #masked}).
 */
public final class Secrets {
    /** What a secret is shown as. */
    public static final String MASK = "********";

    /**
     * The values the platform ships as defaults (pseudonymisation key, collector write key,
     * PostgreSQL password, S3 secret key): public, since they are in the code and the docs.
     */
    private static final Set<String> PUBLIC_DEFAULTS = Set.of(
            "local-development-key-change-me", "local-dev-key", "local-gateway-key", "noexcuses", "noexcuses-secret");

    /** Names of settings and connection details that hold a secret. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|secret|token|write[-_]keys?|pseudonymis\\w*\\.key|(^|[._-])key)$");

    private Secrets() {}

    /** Whether the setting or connection detail {@code name} holds a secret (password, secret key, token, write key). */
    public static boolean isSecret(String name) {
        return SECRET_NAME.matcher(name).matches() && !name.toLowerCase(Locale.ROOT).endsWith("access_key")
                && !name.toLowerCase(Locale.ROOT).endsWith("access-key");
    }

    /** {@code details} with the value of every secret replaced by {@link #MASK}. */
    public static Map<String, String> masked(Map<String, String> details) {
        Map<String, String> out = new LinkedHashMap<>();
        details.forEach((k, v) -> out.put(k, isSecret(k) && v != null && !v.isEmpty() ? MASK : v));
        return out;
    }

    /**
     * Whether {@code value} is one of the secrets the platform ships as defaults, in clear or in the
     * {@code sha256:<hex>} form write keys may be configured in.
     */
    public static boolean isPublicDefault(String value) {
        if (value == null) {
            return false;
        }
        String v = value.trim();
        if (v.regionMatches(true, 0, "sha256:", 0, 7)) {
            String hex = v.substring(7).toLowerCase(Locale.ROOT);
            return PUBLIC_DEFAULTS.stream().anyMatch(d -> sha256Hex(d).equals(hex));
        }
        return PUBLIC_DEFAULTS.contains(v);
    }

    private static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /**
     * Refuses to start a service that listens on a non-loopback address while one of the secrets it
     * uses still has its public default: anyone who can reach it could then use the default too.
     *
     * @param service the service's name, for the message
     * @param hosts the addresses it binds ({@code 0.0.0.0} and blank mean every interface)
     * @param secrets the settings it uses, by name (e.g. {@code pseudonymisation.key}) with their values
     * @throws IllegalStateException naming every such setting
     */
    public static void refuseDefaultsOffLoopback(String service, Collection<String> hosts,
                                                 Map<String, String> secrets) {
        requireNonNull(service, "service is null");
        List<String> exposed = hosts.stream().filter(h -> !isLoopback(h)).distinct().toList();
        if (exposed.isEmpty()) {
            return;
        }
        List<String> defaults = new ArrayList<>();
        secrets.forEach((name, value) -> {
            if (isPublicDefault(value)) {
                defaults.add(name);
            }
        });
        if (!defaults.isEmpty()) {
            throw new IllegalStateException(service + " refuses to start: it listens on " + String.join(", ", exposed)
                    + ", not only on loopback, while " + String.join(", ", defaults)
                    + (defaults.size() == 1 ? " still has its" : " still have their")
                    + " public default value. Set your own secret (see docs/security.md), or bind 127.0.0.1.");
        }
    }

    /**
     * Refuses to start a service whose API listens on a non-loopback address without a token: anyone who
     * can reach the address could then use it.
     *
     * @param service the service's name, for the message
     * @param host the address it binds
     * @param tokenSetting the setting that holds its token (e.g. {@code serving.gateway.token})
     * @param token that setting's value
     * @param exposure what an unauthenticated caller could do (e.g. "read the scores")
     * @throws IllegalStateException naming the setting to set
     */
    public static void refuseNoTokenOffLoopback(String service, String host, String tokenSetting, String token,
                                                String exposure) {
        requireNonNull(service, "service is null");
        if (isLoopback(host) || (token != null && !token.isBlank())) {
            return;
        }
        throw new IllegalStateException(service + " refuses to start: it listens on " + host + ", not only on loopback, "
                + "while " + tokenSetting + " is blank, so anyone on the network could " + exposure + ". Set "
                + tokenSetting + " (or admin.token, see docs/security.md), or bind 127.0.0.1.");
    }

    /** Whether {@code host} is a loopback address or name (never resolved through DNS for IP literals). */
    public static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            InetAddress[] all = InetAddress.getAllByName(h);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
