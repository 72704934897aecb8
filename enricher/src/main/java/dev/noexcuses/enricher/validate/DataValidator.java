package dev.noexcuses.enricher.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.path.NodePath;
import dev.noexcuses.common.failure.FailureError;
import java.util.ArrayList;
import java.util.List;

/** Checks an event's {@code data} against its schema; each violation carries its JSON path from the event root. */
public final class DataValidator {
    private DataValidator() {}

    /** Every violation of {@code schema} by {@code data}, with paths such as {@code $.data.items[0].quantity}. */
    public static List<FailureError> validate(Schema schema, JsonNode data) {
        List<Error> errors = schema.validate(data);
        if (errors.isEmpty()) {
            return List.of();
        }
        List<FailureError> result = new ArrayList<>(errors.size());
        for (Error error : errors) {
            String path = pathOf(error.getInstanceLocation());
            // A missing required field is reported on its parent object; name the field itself.
            if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
                path = path + "." + error.getProperty();
            }
            result.add(new FailureError(path, error.getMessage()));
        }
        return result;
    }

    static String pathOf(NodePath location) {
        StringBuilder path = new StringBuilder("$.data");
        if (location == null) {
            return path.toString();
        }
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Number index) {
                path.append('[').append(index).append(']');
            } else {
                path.append('.').append(element);
            }
        }
        return path.toString();
    }
}
