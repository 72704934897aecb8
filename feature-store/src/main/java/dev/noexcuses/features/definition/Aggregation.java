package dev.noexcuses.features.definition;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * How a day of a source table's rows becomes one number per entity: the rows counted, a column summed, or the
 * distinct values of a column counted, optionally only of rows whose {@code filterColumn} equals
 * {@code filterValue}. Windows add the days up, so a distinct count is exact only for values that never span
 * two days, such as {@code session_id} (midnight ends a session).
 */
public record Aggregation(Kind kind, Optional<String> column, Optional<Filter> filter) {
    public enum Kind { COUNT, SUM, COUNT_DISTINCT }

    /** Rows whose {@code column} equals {@code value} (a string or boolean literal). */
    public record Filter(String column, Object value) {
        public Filter {
            requireNonNull(column, "column is null");
            requireNonNull(value, "value is null");
            if (!(value instanceof String || value instanceof Boolean)) {
                throw new IllegalArgumentException("Invalid filter value " + value + " on " + column
                        + ": expected a string or a boolean");
            }
        }

        String sql() {
            return column + " = " + (value instanceof String s ? "'" + s.replace("'", "''") + "'" : value.toString());
        }
    }

    public Aggregation {
        requireNonNull(kind, "kind is null");
        requireNonNull(column, "column is null");
        requireNonNull(filter, "filter is null");
        if (kind == Kind.COUNT && column.isPresent() || kind != Kind.COUNT && column.isEmpty()) {
            throw new IllegalArgumentException("Invalid aggregation " + kind + ": "
                    + (kind == Kind.COUNT ? "counts rows, takes no column" : "needs a column"));
        }
    }

    public static Aggregation count() {
        return new Aggregation(Kind.COUNT, Optional.empty(), Optional.empty());
    }

    public static Aggregation sum(String column) {
        return new Aggregation(Kind.SUM, Optional.of(column), Optional.empty());
    }

    public static Aggregation countDistinct(String column) {
        return new Aggregation(Kind.COUNT_DISTINCT, Optional.of(column), Optional.empty());
    }

    /** This aggregation over the rows whose {@code column} equals {@code value} only. */
    public Aggregation where(String filterColumn, Object value) {
        return new Aggregation(kind, column, Optional.of(new Filter(filterColumn, value)));
    }

    /** The Spark SQL of one day's value over the source rows. */
    public String sql() {
        String condition = filter.map(Filter::sql).orElse(null);
        return switch (kind) {
            case COUNT -> condition == null ? "count(*)" : "count_if(" + condition + ")";
            case SUM -> "sum(" + (condition == null ? column.get() : "CASE WHEN " + condition + " THEN " + column.get() + " END") + ")";
            case COUNT_DISTINCT -> "count(DISTINCT " + (condition == null ? column.get()
                    : "CASE WHEN " + condition + " THEN " + column.get() + " END") + ")";
        };
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case COUNT -> "count(*)";
            case SUM -> "sum(" + column.get() + ")";
            case COUNT_DISTINCT -> "count(distinct " + column.get() + ")";
        };
        return filter.map(f -> what + " where " + f.column() + " = " + f.value()).orElse(what);
    }
}
