package dev.noexcuses.registry.tracking;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.RegistryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run list request: which experiments, a filter in MLflow's search syntax (clauses joined by AND, e.g.
 * {@code metrics.rmse < 0.5 and params.depth = '6' and attributes.status = 'FINISHED'}), one order, a
 * page size and the token of the page to continue after.
 *
 * <p>Pages are keyset pages: the token holds the sort value and sequence number of the last run shown,
 * and the next page starts strictly after it, through the index of that order. A page deep in a list
 * of tens of thousands of runs costs what the first does, and runs added meanwhile never shift or
 * repeat the runs of later pages (as an offset would).
 */
public record RunQuery(List<Long> experimentIds, String filter, String orderBy, int maxResults, String pageToken,
                       String viewType) {
    private static final Pattern CLAUSE = Pattern.compile(
            "\\s*(?:(?<entity>attributes?|metrics?|params?|parameters?|tags?)\\.)?(?<key>`[^`]+`|\"[^\"]+\"|[\\w.\\-/:]+)"
                    + "\\s*(?<op>!=|>=|<=|=|<|>|(?i:not\\s+like\\b)|(?i:ilike\\b)|(?i:like\\b))"
                    + "\\s*(?<value>'(?:[^']|'')*'|\"[^\"]*\"|-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\s*(?:(?i:and)\\s+|$)");
    private static final Pattern ORDER = Pattern.compile(
            "\\s*(?:(?<entity>attributes?|metrics?)\\.)?(?<key>`[^`]+`|[\\w.\\-/:]+)(?:\\s+(?<dir>(?i:asc|desc)))?\\s*");

    public RunQuery {
        experimentIds = List.copyOf(experimentIds);
        filter = filter == null ? "" : filter.trim();
        orderBy = orderBy == null || orderBy.isBlank() ? "start_time DESC" : orderBy.trim();
        pageToken = pageToken == null ? "" : pageToken;
        viewType = viewType == null || viewType.isBlank() ? "ACTIVE_ONLY" : viewType.toUpperCase(Locale.ROOT);
        if (maxResults < 1) {
            throw RegistryException.invalid("Invalid max_results " + maxResults + ": expected at least 1");
        }
    }

    /** The order of a list: a column of runs or a metric's latest value, and its direction. */
    record Order(String column, String metric, boolean descending) {
        String tokenKey() {
            return (metric != null ? "metrics." + metric : column) + (descending ? " DESC" : " ASC");
        }
    }

    /** One filter clause as SQL with its parameters. */
    record Condition(String sql, List<Object> params) {}

    /** Where a page starts: after this sort value and run sequence number. */
    record After(Object value, long runSeq) {}

    Order order() {
        Matcher m = ORDER.matcher(orderBy);
        if (!m.matches()) {
            throw RegistryException.invalid("Invalid order_by '" + orderBy + "': expected e.g. 'start_time DESC', "
                    + "'name ASC' or 'metrics.rmse ASC'");
        }
        boolean descending = m.group("dir") != null && m.group("dir").equalsIgnoreCase("desc");
        String key = unquote(m.group("key"));
        String entity = m.group("entity");
        if (entity != null && entity.startsWith("metric")) {
            return new Order(null, key, descending);
        }
        return switch (key) {
            case "start_time" -> new Order("start_time", null, descending);
            case "name", "run_name" -> new Order("name", null, descending);
            default -> throw RegistryException.invalid("Invalid order_by '" + orderBy
                    + "': runs sort by start_time, run_name or metrics.<key>");
        };
    }

    List<Condition> conditions() {
        List<Condition> out = new ArrayList<>();
        if (filter.isEmpty()) {
            return out;
        }
        Matcher m = CLAUSE.matcher(filter);
        int at = 0;
        while (at < filter.length()) {
            m.region(at, filter.length());
            if (!m.lookingAt()) {
                throw RegistryException.invalid("Invalid filter '" + filter + "' at position " + at
                        + ": expected clauses like metrics.rmse < 0.5, params.depth = '6', tags.team = 'ml', "
                        + "attributes.status = 'FINISHED', joined by AND");
            }
            out.add(condition(m.group("entity"), unquote(m.group("key")), m.group("op").replaceAll("\\s+", " ")
                    .toUpperCase(Locale.ROOT), m.group("value")));
            at = m.end();
        }
        return out;
    }

    private static Condition condition(String entity, String key, String op, String rawValue) {
        boolean quoted = rawValue.startsWith("'") || rawValue.startsWith("\"");
        String text = quoted ? rawValue.substring(1, rawValue.length() - 1).replace("''", "'") : rawValue;
        String e = entity == null ? "attributes" : entity.toLowerCase(Locale.ROOT);
        if (e.startsWith("metric")) {
            if (quoted || op.contains("LIKE")) {
                throw RegistryException.invalid("Invalid filter on metrics." + key + ": expected a number and one of = != < <= > >=");
            }
            return new Condition("EXISTS (SELECT 1 FROM run_latest_metrics f WHERE f.run_id = r.run_id AND f.key = ? AND f.value "
                    + op + " ?)", List.of(key, Double.parseDouble(text)));
        }
        if (!quoted) {
            throw RegistryException.invalid("Invalid filter value " + rawValue + " for " + e + "." + key
                    + ": expected a quoted string");
        }
        if (op.startsWith("<") || op.startsWith(">")) {
            throw RegistryException.invalid("Invalid filter operator " + op + " for " + e + "." + key
                    + ": expected =, !=, LIKE or ILIKE");
        }
        String sqlOp = op.equals("ILIKE") ? "ILIKE" : op;
        if (e.startsWith("param")) {
            return new Condition("EXISTS (SELECT 1 FROM run_params f WHERE f.run_id = r.run_id AND f.key = ? AND f.value "
                    + sqlOp + " ?)", List.of(key, text));
        }
        if (e.startsWith("tag")) {
            return new Condition("EXISTS (SELECT 1 FROM run_tags f WHERE f.run_id = r.run_id AND f.key = ? AND f.value "
                    + sqlOp + " ?)", List.of(key, text));
        }
        String column = switch (key) {
            case "status" -> "r.status";
            case "run_name", "name" -> "r.name";
            case "user_id", "user" -> "r.user_name";
            case "run_id" -> "r.run_id";
            case "git_commit" -> "r.git_commit";
            default -> throw RegistryException.invalid("Invalid filter attribute '" + key
                    + "': expected status, run_name, user_id, run_id or git_commit");
        };
        return new Condition(column + " " + sqlOp + " ?", List.of(text));
    }

    /** Where this page starts, from the token; null for the first page. */
    After after(Order order) {
        if (pageToken.isEmpty()) {
            return null;
        }
        JsonNode token;
        try {
            token = Json.mapper().readTree(Base64.getUrlDecoder().decode(pageToken));
        } catch (Exception e) {
            throw RegistryException.invalid("Invalid page_token: it is not a token this server gave out");
        }
        if (!order.tokenKey().equals(token.path("order").asText())) {
            throw RegistryException.invalid("Invalid page_token: it continues a list ordered by '"
                    + token.path("order").asText() + "', not by '" + order.tokenKey() + "'");
        }
        JsonNode v = token.path("after");
        Object value = order.metric() != null ? (Object) v.asDouble()
                : order.column().equals("start_time") ? (Object) v.asLong() : v.asText();
        return new After(value, token.path("seq").asLong());
    }

    static String token(Order order, Object lastValue, long lastSeq) {
        ObjectNode node = Json.mapper().createObjectNode().put("order", order.tokenKey()).put("seq", lastSeq);
        if (lastValue instanceof Double d) {
            node.put("after", d);
        } else if (lastValue instanceof Long l) {
            node.put("after", l);
        } else {
            node.put("after", String.valueOf(lastValue));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String unquote(String key) {
        requireNonNull(key, "key is null");
        if ((key.startsWith("`") && key.endsWith("`")) || (key.startsWith("\"") && key.endsWith("\""))) {
            return key.substring(1, key.length() - 1);
        }
        return key;
    }
}
