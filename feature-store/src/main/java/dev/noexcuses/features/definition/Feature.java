package dev.noexcuses.features.definition;

import static java.util.Objects.requireNonNull;

/**
 * One feature of a view: its column name in the feature table ({@code sessions_7d}), type, meaning, and how it
 * is computed as of the end of a day.
 */
public record Feature(String name, FeatureType type, String description, Computation computation) {
    /** How a feature's value for day D is computed from the days up to and including D. */
    public sealed interface Computation permits WindowSum, Rate, DaysSinceActivity {}

    /** The daily aggregation {@code aggregation} added up over the last {@code windowDays} days. */
    public record WindowSum(String aggregation, int windowDays) implements Computation {}

    /**
     * {@code numerator / denominator} of two window sums of the same window (or {@code 1 - } that, when
     * {@code complement}), between 0 and 1; null when the denominator is 0.
     */
    public record Rate(String numerator, String denominator, int windowDays, boolean complement) implements Computation {}

    /** Days from the last day with any source row to day D, within the view's longest window (0 = active on D). */
    public record DaysSinceActivity(int windowDays) implements Computation {}

    public Feature {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(description, "description is null");
        requireNonNull(computation, "computation is null");
    }

    /** The lowest and highest value the computation allows, for the range check of every build. */
    public double minimum() {
        return 0;
    }

    public double maximum() {
        if (computation instanceof Rate) {
            return 1;
        }
        if (computation instanceof DaysSinceActivity d) {
            return d.windowDays() - 1;
        }
        return Double.POSITIVE_INFINITY;
    }
}
