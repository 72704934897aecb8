package dev.noexcuses.features.online;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which features a read asks for: {@code <view>:<feature>} names, or a view's name for all its features; none
 * for every feature of every view. Resolved against the definitions, with a clear error for unknown names.
 */
public final class FeatureRefs {
    private FeatureRefs() {}

    /** The features asked for, grouped by view, in the order asked. */
    public static Map<FeatureView, List<Feature>> resolve(FeatureRegistry registry, List<String> names) {
        Map<FeatureView, List<Feature>> out = new LinkedHashMap<>();
        if (names.isEmpty()) {
            registry.views().forEach(v -> out.put(v, v.features()));
            return out;
        }
        for (String name : names) {
            int colon = name.indexOf(':');
            FeatureView view = registry.view(colon < 0 ? name : name.substring(0, colon));
            if (colon < 0) {
                out.computeIfAbsent(view, v -> new ArrayList<>()).addAll(view.features());
                continue;
            }
            String featureName = name.substring(colon + 1);
            Feature f = view.feature(featureName).orElseThrow(() -> new IllegalArgumentException("Feature view '"
                    + view.name() + "' has no feature '" + featureName + "': features are "
                    + view.features().stream().map(Feature::name).toList()));
            out.computeIfAbsent(view, v -> new ArrayList<>()).add(f);
        }
        return out;
    }
}
