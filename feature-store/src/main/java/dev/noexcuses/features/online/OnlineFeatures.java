package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The features asked for one entity key, by {@code <view>:<feature>}, in the order asked. */
public record OnlineFeatures(String key, Map<String, FeatureValue> values) {
    public OnlineFeatures {
        requireNonNull(key, "key is null");
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public FeatureValue get(String feature) {
        FeatureValue v = values.get(feature);
        if (v == null) {
            throw new IllegalArgumentException("Feature " + feature + " was not asked for: " + values.keySet());
        }
        return v;
    }
}
