package dev.noexcuses.ml;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.ml.train.FeatureValidation;
import java.util.ArrayList;
import java.util.List;

/**
 * The model's inputs: every feature of the feature views, named as the training sets name their columns
 * ({@code <view>__<feature>}, e.g. {@code user_activity__sessions_7d}; online, {@code user_activity:sessions_7d}).
 */
public record ModelFeatures(List<FeatureView> views) {
    public ModelFeatures {
        views = List.copyOf(views);
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (FeatureView v : views) {
            for (Feature f : v.features()) {
                names.add(column(v, f));
            }
        }
        return names;
    }

    public List<FeatureValidation.FeatureSpec> specs() {
        List<FeatureValidation.FeatureSpec> specs = new ArrayList<>();
        for (FeatureView v : views) {
            for (Feature f : v.features()) {
                specs.add(new FeatureValidation.FeatureSpec(column(v, f), f.minimum(), f.maximum()));
            }
        }
        return specs;
    }

    public static String column(FeatureView view, Feature feature) {
        return view.name() + "__" + feature.name();
    }
}
