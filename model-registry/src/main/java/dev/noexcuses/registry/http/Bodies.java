package dev.noexcuses.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.RegistryException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON in and out of both APIs, and errors in MLflow's shape ({@code error_code}, {@code message}). */
final class Bodies {
    private Bodies() {}

    static JsonNode read(AggregatedHttpRequest request) {
        String text = request.contentUtf8();
        if (text.isBlank()) {
            return Json.mapper().createObjectNode();
        }
        try {
            JsonNode node = Json.mapper().readTree(text);
            if (node == null || !node.isObject()) {
                throw RegistryException.invalid("Invalid JSON body: expected an object");
            }
            return node;
        } catch (RegistryException e) {
            throw e;
        } catch (Exception e) {
            throw new RegistryException(400, "MALFORMED_REQUEST", "Invalid JSON body: " + e.getMessage());
        }
    }

    static HttpResponse ok(Object body) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }

    static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    static String required(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null || v.isBlank()) {
            throw RegistryException.invalid("Missing value for required parameter '" + field + "'");
        }
        return v;
    }

    static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    static long parseLong(String value, String what) {
        try {
            return Long.parseLong(value.trim());
        } catch (RuntimeException e) {
            throw RegistryException.invalid("Invalid " + what + " '" + value + "': expected a whole number");
        }
    }

    static HttpResponse error(int status, String code, String message) {
        ObjectNode body = object().put("error_code", code).put("message", message);
        return HttpResponse.of(HttpStatus.valueOf(status), MediaType.JSON_UTF_8, Json.toBytes(body));
    }
}
