package dev.noexcuses.enricher.stream;

/** A processed event on its way out: the enriched event, or its failed-event record for the DLQ. */
record Routed(boolean failed, byte[] value) {
    static Routed enriched(byte[] value) {
        return new Routed(false, value);
    }

    static Routed failed(byte[] value) {
        return new Routed(true, value);
    }
}
