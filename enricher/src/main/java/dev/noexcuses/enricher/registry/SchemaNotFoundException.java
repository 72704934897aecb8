package dev.noexcuses.enricher.registry;

/** The registry has no schema for the reference: the event's fault, not the registry's. */
public final class SchemaNotFoundException extends RuntimeException {
    public SchemaNotFoundException(String message) {
        super(message, null, false, false);
    }
}
