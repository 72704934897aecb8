package dev.noexcuses.common.privacy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The platform's one pseudonymisation: personal data replaced by a keyed HMAC-SHA256 (the same input
 * and key always give the same pseudonym, so joins and per-user counts still work, but the value
 * cannot be read back without the key), or the client IP truncated to its network. The enricher
 * applies it to enriched events; both loaders apply it to failed-event records before they leave
 * Kafka for analysts (search indices, lake tables), so a failing event does not bypass it.
 *
 * <p>Fields: {@code user_id}, {@code anonymous_id}, {@code collector.client_ip},
 * {@code collector.user_agent}, and {@code data.<path>} (dots for nested objects).
 */
public final class Pseudonymiser {
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

    /** The failed-record context key the enricher lists a schema's personal-data fields under. */
    public static final String PII_FIELDS_CONTEXT = "pii_fields";
    /** The enriched event's list of fields already pseudonymised (in {@code enrichments}). */
    public static final String PSEUDONYMISED = "pseudonymised";
    /** A failed record whose payload was binary: analysts get no payload (the DLQ keeps it for replay). */
    public static final String WITHHELD = "withheld";

    private static final int PSEUDONYM_BYTES = 16;
    private static final List<String> TOP_LEVEL = List.of("user_id", "anonymous_id", "collector.client_ip",
            "collector.user_agent");
    private static final String CLIENT_IP = "collector.client_ip";
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+");
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\d.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?![\\d.])");
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![0-9A-Fa-f:])"
                    + "|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?"
                    + "(?![0-9A-Fa-f:])");

    private final SecretKeySpec key;
    private final List<String> fields;
    private final IpMode ipMode;
    private final ThreadLocal<Mac> macs;

    public Pseudonymiser(String key, List<String> fields, IpMode ipMode) {
        requireNonNull(key, "key is null");
        if (key.isBlank()) {
            throw new IllegalArgumentException("Pseudonymisation needs a key: set pseudonymisation.key");
        }
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.fields = List.copyOf(fields);
        this.fields.forEach(Pseudonymiser::checkField);
        this.ipMode = requireNonNull(ipMode, "ipMode is null");
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac();
    }

    /** The {@code pseudonymisation.*} settings (key, fields, ip-mode). */
    public static Pseudonymiser from(Config config) {
        Config c = config.getConfig("pseudonymisation");
        return new Pseudonymiser(c.getString("key"), c.getStringList("fields"), IpMode.parse(c.getString("ip-mode")));
    }

    private static void checkField(String field) {
        boolean data = field.startsWith("data.") && field.length() > "data.".length();
        if (!data && !TOP_LEVEL.contains(field)) {
            throw new IllegalArgumentException("Invalid pseudonymisation field '" + field + "': expected one of "
                    + TOP_LEVEL + " or data.<path>");
        }
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

    public List<String> fields() {
        return fields;
    }

    /** The pseudonym of {@code value}: hex of the first 16 bytes of HMAC-SHA256(key, value). */
    public String hmac(String value) {
        byte[] digest = macs.get().doFinal(value.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, PSEUDONYM_BYTES);
    }

    /** The pseudonym of a client address, per the IP mode. */
    public String clientIp(String ip) {
        return ipMode == IpMode.TRUNCATE ? truncate(ip) : hmac(ip);
    }

    /**
     * Replaces, in an event envelope, the configured fields plus {@code personalFields} (those a
     * schema marks as personal data, e.g. {@code data.email}) that hold a scalar.
     *
     * @return the fields replaced, in order
     */
    public List<String> pseudonymiseEnvelope(ObjectNode envelope, Collection<String> personalFields) {
        Set<String> all = new LinkedHashSet<>(fields);
        for (String field : personalFields) {
            checkField(field);
            all.add(field);
        }
        List<String> replaced = new ArrayList<>();
        for (String field : all) {
            List<String> path = List.of(field.split("\\."));
            Optional<String> value = textAt(envelope, path);
            if (value.isEmpty()) {
                continue;
            }
            replaceAt(envelope, path, field.equals(CLIENT_IP) ? clientIp(value.get()) : hmac(value.get()));
            replaced.add(field);
        }
        return replaced;
    }

    /**
     * A failed-event record (as JSON) as analysts may see it: the payload's personal data pseudonymised
     * as in enriched events (configured fields, fields the schema marks as personal data, listed by
     * the enricher in the context's {@code pii_fields}), and, because a failed event's structure cannot
     * be trusted, every e-mail and IP address found anywhere in its text; the same in the context.
     * A binary payload is withheld. The DLQ keeps the original bytes for replay.
     */
    public ObjectNode failedRecordForAnalysts(JsonNode record) {
        ObjectNode copy = record.deepCopy();
        List<String> personal = personalFields(copy.path("context").path(PII_FIELDS_CONTEXT).asText(""));
        JsonNode payload = copy.get("payload");
        if (payload != null && payload.isTextual()) {
            if (FailedEvent.BASE64.equals(copy.path("payload_encoding").asText())) {
                copy.putNull("payload");
                copy.put("payload_encoding", WITHHELD);
            } else {
                copy.put("payload", payloadForAnalysts(payload.asText(), personal));
            }
        }
        JsonNode context = copy.get("context");
        if (context != null && context.isObject()) {
            ObjectNode ctx = (ObjectNode) context;
            List<String> names = new ArrayList<>();
            ctx.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode value = ctx.get(name);
                if (!value.isTextual() || name.equals(PII_FIELDS_CONTEXT)) {
                    continue;
                }
                String text = value.asText();
                String replaced = switch (name) {
                    case "client_ip" -> text.isEmpty() ? text : clientIp(text);
                    case "user_agent" -> fields.contains("collector.user_agent") ? hmac(text) : sweep(text);
                    default -> sweep(text);
                };
                ctx.put(name, replaced);
            }
        }
        return copy;
    }

    /** {@link #failedRecordForAnalysts(JsonNode)} for the record type. */
    public FailedEvent forAnalysts(FailedEvent failed) {
        try {
            return Json.mapper().treeToValue(failedRecordForAnalysts(Json.mapper().valueToTree(failed)),
                    FailedEvent.class);
        } catch (IOException e) {
            throw new IllegalStateException("A failed event does not map to itself: " + e.getMessage(), e);
        }
    }

    private String payloadForAnalysts(String text, List<String> personal) {
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(text);
        } catch (IOException e) {
            return sweep(text);
        }
        if (tree == null) {
            return sweep(text);
        }
        if (tree.isObject()) {
            pseudonymiseFailedEnvelope((ObjectNode) tree, personal);
        } else if (tree.isArray()) {
            for (JsonNode element : tree) {
                if (element.isObject()) {
                    pseudonymiseFailedEnvelope((ObjectNode) element, personal);
                } else {
                    sweepTree(element, Set.of(), "");
                }
            }
            sweepScalarsOf((ArrayNode) tree);
        } else if (tree.isTextual()) {
            return Json.mapper().valueToTree(sweep(tree.asText())).toString();
        }
        return Json.mapper().valueToTree(tree).toString();
    }

    private void pseudonymiseFailedEnvelope(ObjectNode envelope, List<String> personal) {
        // An enriched event that failed to load is already pseudonymised: leave its pseudonyms as they are.
        Set<String> done = new LinkedHashSet<>();
        envelope.path("enrichments").path(PSEUDONYMISED).forEach(f -> done.add(f.asText()));
        if (done.isEmpty()) {
            done.addAll(pseudonymiseEnvelope(envelope, validOnly(personal)));
        }
        sweepTree(envelope, done, "");
    }

    private static List<String> validOnly(List<String> personal) {
        return personal.stream().filter(f -> f.startsWith("data.") || TOP_LEVEL.contains(f)).toList();
    }

    private void sweepScalarsOf(ArrayNode array) {
        for (int i = 0; i < array.size(); i++) {
            if (array.get(i).isTextual()) {
                array.set(i, TextNode.valueOf(sweep(array.get(i).asText())));
            }
        }
    }

    /** Replaces e-mail and IP addresses in every string of {@code node}, except at paths in {@code skip}. */
    private void sweepTree(JsonNode node, Set<String> skip, String prefix) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            object.fields().forEachRemaining(entries::add);
            for (Map.Entry<String, JsonNode> e : entries) {
                String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                if (skip.contains(path)) {
                    continue;
                }
                if (e.getValue().isTextual()) {
                    object.put(e.getKey(), sweep(e.getValue().asText()));
                } else {
                    sweepTree(e.getValue(), skip, path);
                }
            }
        } else if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, TextNode.valueOf(sweep(array.get(i).asText())));
                } else {
                    sweepTree(array.get(i), skip, prefix);
                }
            }
        }
    }

    /** {@code text} with every e-mail address HMACed and every IP address pseudonymised like a client IP. */
    public String sweep(String text) {
        String out = replaceAll(EMAIL, text, this::hmac);
        out = replaceAll(IPV4, out, this::clientIp);
        return replaceAll(IPV6, out, m -> IpAddressText.isIpv6(m) ? clientIp(m) : m);
    }

    private static String replaceAll(Pattern pattern, String text, java.util.function.UnaryOperator<String> f) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(f.apply(m.group())));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }

    private static List<String> personalFields(String listed) {
        if (listed.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(listed.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Optional<String> textAt(ObjectNode envelope, List<String> path) {
        JsonNode current = envelope;
        for (String step : path) {
            if (current == null || !current.isObject()) {
                return Optional.empty();
            }
            current = current.get(step);
        }
        return current == null || current.isNull() || current.isContainerNode() ? Optional.empty()
                : Optional.of(current.asText());
    }

    private static void replaceAt(ObjectNode envelope, List<String> path, String value) {
        ObjectNode parent = envelope;
        for (int i = 0; i < path.size() - 1; i++) {
            parent = (ObjectNode) parent.get(path.get(i));
        }
        parent.put(path.get(path.size() - 1), value);
    }

    /** The network part of an address: IPv4 /24, IPv6 /48; blank when it is not an IP literal. */
    public static String truncate(String ip) {
        Optional<InetAddress> address = IpAddressText.parse(ip);
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
