package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
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
                throw new IllegalArgumentException("Invalid IP pseudonymisation mode '" + text + "': expected hmac or truncate");
            }
        }
    }

    private static final int PSEUDONYM_BYTES = 16;
    private static final List<String> TOP_LEVEL = List.of("user_id", "anonymous_id", "collector.client_ip",
            "collector.user_agent");

    private final SecretKeySpec key;
    private final List<String> fields;
    private final List<List<String>> dataPaths;
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
        List<List<String>> paths = new ArrayList<>();
        for (String field : this.fields) {
            if (field.startsWith("data.") && field.length() > "data.".length()) {
                paths.add(List.of(field.substring("data.".length()).split("\\.")));
            } else if (!TOP_LEVEL.contains(field)) {
                throw new IllegalArgumentException("Invalid pseudonymisation field '" + field + "': expected one of "
                        + TOP_LEVEL + " or data.<path>");
            }
        }
        this.dataPaths = List.copyOf(paths);
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
    public EventEnvelope apply(EventEnvelope event, ObjectNode enrichments) {
        ArrayNode replaced = enrichments.arrayNode();
        String userId = event.userId();
        if (userId != null && fields.contains("user_id")) {
            userId = hmac(userId);
            replaced.add("user_id");
        }
        String anonymousId = event.anonymousId();
        if (anonymousId != null && fields.contains("anonymous_id")) {
            anonymousId = hmac(anonymousId);
            replaced.add("anonymous_id");
        }
        CollectorMetadata collector = event.collector();
        if (collector != null) {
            String ip = collector.clientIp();
            if (ip != null && fields.contains("collector.client_ip")) {
                ip = ipMode == IpMode.TRUNCATE ? truncate(ip) : hmac(ip);
                replaced.add("collector.client_ip");
            }
            String userAgent = collector.userAgent();
            if (userAgent != null && fields.contains("collector.user_agent")) {
                userAgent = hmac(userAgent);
                replaced.add("collector.user_agent");
            }
            collector = new CollectorMetadata(collector.receivedAt(), collector.collectorHost(), collector.requestId(),
                    ip, userAgent, collector.authenticatedSource(), collector.transport());
        }
        JsonNode data = event.data();
        if (!dataPaths.isEmpty() && data.isObject()) {
            ObjectNode copy = null;
            for (List<String> path : dataPaths) {
                if (valueAt(data, path).isPresent()) {
                    copy = copy == null ? data.deepCopy() : copy;
                    replaceAt(copy, path);
                    replaced.add("data." + String.join(".", path));
                }
            }
            data = copy == null ? data : copy;
        }
        if (!replaced.isEmpty()) {
            enrichments.set("pseudonymised", replaced);
        }
        return new EventEnvelope(event.eventId(), event.schema(), event.eventTime(), event.source(), userId,
                anonymousId, data, collector, event.enrichments());
    }

    private static Optional<JsonNode> valueAt(JsonNode node, List<String> path) {
        JsonNode current = node;
        for (String step : path) {
            if (current == null || !current.isObject()) {
                return Optional.empty();
            }
            current = current.get(step);
        }
        return current == null || current.isNull() || current.isContainerNode() ? Optional.empty() : Optional.of(current);
    }

    private void replaceAt(ObjectNode root, List<String> path) {
        ObjectNode parent = root;
        for (int i = 0; i < path.size() - 1; i++) {
            parent = (ObjectNode) parent.get(path.get(i));
        }
        String last = path.get(path.size() - 1);
        parent.put(last, hmac(parent.get(last).asText()));
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
