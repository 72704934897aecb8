package dev.noexcuses.enricher.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.event.SchemaRef;

/** Where schema documents are read from: a directory or a static HTTP registry. */
public interface SchemaSource {
    /**
     * The schema document of {@code ref}.
     *
     * @throws SchemaNotFoundException when the registry has no such schema or version
     * @throws RegistryUnavailableException when the registry cannot be read right now
     */
    JsonNode fetch(SchemaRef ref);

    /** Where the schemas come from, for messages. */
    String describe();
}
