package dev.noexcuses.console.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.json.Json;

/** The console's JSON answers, written with the platform's one mapper setup. */
public final class JsonResponses {
    private JsonResponses() {}

    public static HttpResponse ok(Object body) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    public static HttpResponse error(HttpStatus status, String message) {
        ObjectNode body = Json.mapper().createObjectNode().put("error", message);
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    public static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }
}
