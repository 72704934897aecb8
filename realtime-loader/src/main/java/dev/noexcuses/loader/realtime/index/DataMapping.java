package dev.noexcuses.loader.realtime.index;

import java.util.Locale;

/**
 * How the free-form event {@code data} is mapped. Every choice keeps the mapping a fixed size whatever
 * fields producers invent: one field type that indexes all leaves as keywords, or no indexing at all.
 */
public enum DataMapping {
    /** {@link #FLAT_OBJECT} on OpenSearch, {@link #FLATTENED} on Elasticsearch. */
    AUTO,
    /** OpenSearch 2.7+: {@code data.any.path: value} is searchable, one field in the mapping. */
    FLAT_OBJECT,
    /** Elasticsearch 7.3+: the same idea under Elasticsearch's name. */
    FLATTENED,
    /** Kept in {@code _source} only: not searchable, never a mapping conflict. */
    DISABLED;

    public static DataMapping parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid realtime-loader.index.data-mapping '" + text
                    + "': expected auto, flat_object, flattened or disabled");
        }
    }

    /** The mapping of the {@code data} field on a cluster of the given distribution. */
    String mappingJson(boolean elasticsearch) {
        return switch (this) {
            case AUTO -> (elasticsearch ? FLATTENED : FLAT_OBJECT).mappingJson(elasticsearch);
            case FLAT_OBJECT -> "{\"type\":\"flat_object\"}";
            case FLATTENED -> "{\"type\":\"flattened\",\"ignore_above\":1024}";
            case DISABLED -> "{\"type\":\"object\",\"enabled\":false}";
        };
    }
}
