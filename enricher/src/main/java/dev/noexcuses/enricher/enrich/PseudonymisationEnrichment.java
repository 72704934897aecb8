package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Replaces personal data with a keyed HMAC-SHA256 (the same input and key always give the same
 * pseudonym, so joins and per-user counts still work, but the value cannot be read back without
 * the key), or truncates the client IP. Fields: {@code user_id}, {@code anonymous_id},
 * {@code collector.client_ip}, {@code collector.user_agent}, and {@code data.<path>} (dots for
 * nested objects). Runs after the enrichments that need the clear values (user agent, GeoIP).
 * Records what it replaced in {@code enrichments.pseudonymised}.
 */
public final class PseudonymisationEnrichment implements Enrichment {
    /** How {@code collector.client_ip} is pseudonymised. */
    public enum IpMode {
        /** A keyed HMAC, like the other fields. */
        HMAC,
        /** The network part only: IPv4 /24, IPv6 /48. */
        TRUNCATE;

        public static IpMode parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid IP pseudonymisation mode '" + text
                        + "': expected hmac or truncate");
            }
        }
    }

    private static final int PSEUDONYM_BYTES = 16;
    private static final List<String> TOP_LEVEL = List.of("user_id", "anonymous_id", "collector.client_ip",
            "collector.user_agent");
    private static final List<String> CLIENT_IP = List.of("collector", "client_ip");

    private final SecretKeySpec key;
    private final List<String> fields;
    private final List<List<String>> paths;
    private final IpMode ipMode;
    private final ThreadLocal<Mac> macs;

    public PseudonymisationEnrichment(String key, List<String> fields, IpMode ipMode) {
        requireNonNull(key, "key is null");
        if (key.isBlank()) {
            throw new IllegalArgumentException("Pseudonymisation needs a key: set enricher.enrichments.pseudonymise.key");
        }
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.fields = List.copyOf(fields);
        this.ipMode = requireNonNull(ipMode, "ipMode is null");
        List<List<String>> parsed = new ArrayList<>();
        for (String field : this.fields) {
            boolean data = field.startsWith("data.") && field.length() > "data.".length();
            if (!data && !TOP_LEVEL.contains(field)) {
                throw new IllegalArgumentException("Invalid pseudonymisation field '" + field + "': expected one of "
                        + TOP_LEVEL + " or data.<path>");
            }
            parsed.add(List.of(field.split("\\.")));
        }
        this.paths = List.copyOf(parsed);
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String name() {
        return "pseudonymise";
    }

    @Override
    public void apply(Event event) {
        ArrayNode replaced = null;
        for (int i = 0; i < paths.size(); i++) {
            List<String> path = paths.get(i);
            Optional<String> value = event.textAt(path);
            if (value.isEmpty()) {
                continue;
            }
            boolean truncate = ipMode == IpMode.TRUNCATE && path.equals(CLIENT_IP);
            event.replaceAt(path, truncate ? truncate(value.get()) : hmac(value.get()));
            if (replaced == null) {
                replaced = event.enrichments().putArray("pseudonymised");
            }
            replaced.add(fields.get(i));
        }
    }

    /** The pseudonym of {@code value}: hex of the first 16 bytes of HMAC-SHA256(key, value). */
    public String hmac(String value) {
        byte[] digest = macs.get().doFinal(value.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, PSEUDONYM_BYTES);
    }

    static String truncate(String ip) {
        Optional<InetAddress> address = IpAddresses.parse(ip);
        if (address.isEmpty()) {
            return "";
        }
        byte[] bytes = address.get().getAddress();
        int keep = bytes.length == 4 ? 3 : 6;
        for (int i = keep; i < bytes.length; i++) {
            bytes[i] = 0;
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return "";
        }
    }
}
