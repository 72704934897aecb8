package dev.noexcuses.features.definition;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The feature views the platform knows, by name; a name is used once. */
public record FeatureRegistry(List<FeatureView> views) {
    public FeatureRegistry {
        views = List.copyOf(views);
        Set<String> names = new HashSet<>();
        List<String> twice = new ArrayList<>();
        for (FeatureView v : views) {
            if (!names.add(v.name())) {
                twice.add(v.name());
            }
        }
        if (!twice.isEmpty()) {
            throw new IllegalArgumentException("Invalid feature registry: the view name(s) " + twice + " are used twice");
        }
    }

    /** The views that ship with the platform ({@link ShippedFeatures}). */
    public static FeatureRegistry shipped() {
        return new FeatureRegistry(ShippedFeatures.all());
    }

    public Optional<FeatureView> find(String name) {
        return views.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    public FeatureView view(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("No feature view named '" + name
                + "': views are " + names()));
    }

    public List<String> names() {
        return views.stream().map(FeatureView::name).toList();
    }

    /** The named views, or all of them when {@code names} is empty. */
    public List<FeatureView> select(List<String> names) {
        return names.isEmpty() ? views : names.stream().map(this::view).toList();
    }
}
