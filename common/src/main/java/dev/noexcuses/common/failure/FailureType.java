package dev.noexcuses.common.failure;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why an event could not go to the next stage. */
public enum FailureType {
    PAYLOAD_FORMAT,
    SIZE,
    AUTH,
    SCHEMA_VIOLATION,
    ENRICHMENT_FAILURE,
    LOADER_FAILURE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FailureType fromWireName(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
