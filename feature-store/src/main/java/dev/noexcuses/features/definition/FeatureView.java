package dev.noexcuses.features.definition;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A group of features of one entity computed from one curated table, built per day into the offline table
 * {@code features.<name>} and served online while younger than its TTL. Made with {@link #named(String)};
 * {@link Builder#build()} checks the definition and says what is wrong (an unknown column, a name used twice, a
 * missing TTL or owner ...).
 *
 * @param aggregations the daily aggregations the window features add up, by name
 * @param windows the window lengths in days, shortest first
 * @param ttl how long after its feature time a value may be used (offline and online alike)
 * @param staleAfter when a value still within its TTL is reported stale (the next build is late)
 */
public record FeatureView(String name, String description, String owner, Entity entity, SourceTable source,
                          Duration ttl, Duration staleAfter, List<Integer> windows,
                          Map<String, Aggregation> aggregations, List<Feature> features) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public FeatureView {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(entity, "entity is null");
        requireNonNull(source, "source is null");
        requireNonNull(ttl, "ttl is null");
        requireNonNull(staleAfter, "staleAfter is null");
        windows = List.copyOf(windows);
        aggregations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(aggregations));
        features = List.copyOf(features);
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    /** The offline table, {@code features.<name>}. */
    public String table() {
        return "features." + name;
    }

    public int longestWindow() {
        return windows.get(windows.size() - 1);
    }

    public Optional<Feature> feature(String featureName) {
        return features.stream().filter(f -> f.name().equals(featureName)).findFirst();
    }

    public static final class Builder {
        private final String name;
        private String description = "";
        private String owner = "";
        private Entity entity = Entity.USER;
        private String sourceTable = "";
        private Duration ttl;
        private Duration staleAfter;
        private List<Integer> windows = List.of(1, 7, 30);
        private final Map<String, Aggregation> aggregations = new LinkedHashMap<>();
        private final List<String> aggregationNames = new ArrayList<>();
        private final List<Feature> features = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        private Builder(String name) {
            this.name = requireNonNull(name, "name is null");
        }

        public Builder description(String description) {
            this.description = requireNonNull(description, "description is null");
            return this;
        }

        public Builder owner(String owner) {
            this.owner = requireNonNull(owner, "owner is null");
            return this;
        }

        public Builder entity(Entity entity) {
            this.entity = requireNonNull(entity, "entity is null");
            return this;
        }

        /** The curated table the features are computed from, e.g. {@code curated.sessions}. */
        public Builder source(String table) {
            this.sourceTable = requireNonNull(table, "table is null");
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = requireNonNull(ttl, "ttl is null");
            return this;
        }

        public Builder staleAfter(Duration staleAfter) {
            this.staleAfter = requireNonNull(staleAfter, "staleAfter is null");
            return this;
        }

        /** The windows, in days, every windowed feature is computed over (default 1, 7 and 30). */
        public Builder windows(Integer... days) {
            this.windows = List.of(days);
            return this;
        }

        /**
         * A daily aggregation added up over each window: features {@code <name>_<w>d}, e.g. {@code sessions_7d}.
         * Its type is LONG for counts, and for sums the source column's (DOUBLE for DOUBLE columns).
         */
        public Builder windowed(String name, String description, Aggregation aggregation) {
            aggregationNames.add(name);
            if (aggregations.putIfAbsent(name, requireNonNull(aggregation, "aggregation is null")) != null) {
                problems.add("the aggregation name '" + name + "' is used twice");
            }
            for (int w : windows) {
                features.add(new Feature(name + "_" + w + "d", FeatureType.LONG,
                        description + " in the last " + days(w), new Feature.WindowSum(name, w)));
            }
            return this;
        }

        /** {@code numerator / denominator} of two windowed aggregations per window ({@code 1 -} that, when complement). */
        public Builder rate(String name, String description, String numerator, String denominator, boolean complement) {
            for (int w : windows) {
                features.add(new Feature(name + "_" + w + "d", FeatureType.DOUBLE, description + " in the last " + days(w),
                        new Feature.Rate(numerator, denominator, w, complement)));
            }
            return this;
        }

        /** Days since the last day with a source row of the entity, up to the longest window. */
        public Builder daysSinceActivity(String name, String description) {
            features.add(new Feature(name, FeatureType.LONG, description, new Feature.DaysSinceActivity(0)));
            return this;
        }

        private static String days(int w) {
            return w == 1 ? "day" : w + " days";
        }

        /** The view, checked: fails with every problem found, each saying what is wrong and what is expected. */
        public FeatureView build() {
            List<String> found = new ArrayList<>(problems);
            if (!NAME.matcher(name).matches()) {
                found.add("the name must be lower-case letters, digits and _");
            }
            if (description.isBlank()) {
                found.add("no description");
            }
            if (owner.isBlank()) {
                found.add("no owner (the team to ask about it)");
            }
            if (ttl == null) {
                found.add("no TTL: say how long after its feature time a value may be used (ttl(Duration.ofDays(3)))");
            } else if (ttl.isZero() || ttl.isNegative()) {
                found.add("TTL " + ttl + " is not positive");
            }
            Duration stale = staleAfter == null ? ttl : staleAfter;
            if (ttl != null && stale != null && (stale.isNegative() || stale.compareTo(ttl) > 0)) {
                found.add("staleAfter " + stale + " is not between 0 and the TTL " + ttl);
            }
            if (windows.isEmpty() || windows.stream().anyMatch(w -> w < 1)
                    || !new ArrayList<>(new TreeSet<>(windows)).equals(windows)) {
                found.add("windows " + windows + " must be distinct positive day counts, shortest first");
            }
            Optional<SourceTable> source = SourceTable.curated(sourceTable);
            if (source.isEmpty()) {
                found.add("unknown source table '" + sourceTable + "' (expected one of "
                        + SourceTable.CURATED.stream().map(SourceTable::name).toList() + ")");
            }
            List<Feature> typed = new ArrayList<>();
            if (source.isPresent()) {
                SourceTable table = source.get();
                if (table.type(entity.joinKey()).isEmpty()) {
                    found.add("source " + table.name() + " has no column '" + entity.joinKey() + "' (the "
                            + entity.name() + " entity's key)");
                }
                aggregations.forEach((aggName, aggregation) -> {
                    aggregation.column().ifPresent(c -> checkColumn(found, table, c, "aggregation '" + aggName + "'"));
                    aggregation.filter().ifPresent(f -> checkColumn(found, table, f.column(),
                            "the filter of aggregation '" + aggName + "'"));
                    if (aggregation.kind() == Aggregation.Kind.SUM) {
                        aggregation.column().flatMap(table::type).filter(t -> !List.of("BIGINT", "INT", "DOUBLE").contains(t))
                                .ifPresent(t -> found.add("aggregation '" + aggName + "' sums column '"
                                        + aggregation.column().get() + "' of type " + t + " (expected a number)"));
                    }
                });
                for (Feature f : features) {
                    if (f.computation() instanceof Feature.WindowSum w) {
                        typed.add(new Feature(f.name(), sumType(table, aggregations.get(w.aggregation())), f.description(), w));
                    } else if (f.computation() instanceof Feature.DaysSinceActivity && !windows.isEmpty()) {
                        int longest = windows.get(windows.size() - 1);
                        typed.add(new Feature(f.name(), f.type(), f.description() + " (0 = active that day; up to "
                                + (longest - 1) + ")", new Feature.DaysSinceActivity(longest)));
                    } else {
                        if (f.computation() instanceof Feature.Rate r) {
                            for (String part : List.of(r.numerator(), r.denominator())) {
                                if (!aggregations.containsKey(part)) {
                                    found.add("rate '" + f.name() + "' uses unknown aggregation '" + part
                                            + "' (defined: " + aggregationNames + ")");
                                }
                            }
                        }
                        typed.add(f);
                    }
                }
            }
            java.util.Set<String> seen = new java.util.HashSet<>(List.of(entity.joinKey(), "feature_date", "feature_time",
                    "built_at"));
            for (Feature f : features) {
                if (!NAME.matcher(f.name()).matches()) {
                    found.add("feature name '" + f.name() + "' must be lower-case letters, digits and _");
                }
                if (!seen.add(f.name())) {
                    found.add("the feature name '" + f.name() + "' is used twice (or is a key column)");
                }
                if (f.description().isBlank()) {
                    found.add("feature '" + f.name() + "' has no description");
                }
            }
            if (features.isEmpty()) {
                found.add("no features");
            }
            if (!found.isEmpty()) {
                throw new IllegalArgumentException("Invalid feature view '" + name + "': " + String.join("; ", found));
            }
            return new FeatureView(name, description, owner, entity, source.get(), ttl, stale, windows, aggregations,
                    typed);
        }

        private static void checkColumn(List<String> found, SourceTable table, String column, String what) {
            if (table.type(column).isEmpty()) {
                found.add(what + " uses unknown column '" + column + "' of " + table.name() + " (columns: "
                        + new TreeSet<>(table.columns().keySet()) + ")");
            }
        }

        private static FeatureType sumType(SourceTable table, Aggregation aggregation) {
            return aggregation != null && aggregation.kind() == Aggregation.Kind.SUM
                    && aggregation.column().flatMap(table::type).filter("DOUBLE"::equals).isPresent()
                    ? FeatureType.DOUBLE : FeatureType.LONG;
        }
    }
}
