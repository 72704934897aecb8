package dev.noexcuses.serving.experiments;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.sql.SchemaPool;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Experiments in the platform's PostgreSQL, schema {@code experiments} (its own Flyway history,
 * {@code db/migration/experiments}); the arms' outcomes from {@code public.experiment_outcomes},
 * which the lakehouse job writes.
 */
final class ExperimentStore implements AutoCloseable {
    static final String SCHEMA = "experiments";
    private static final String OUTCOMES = "public.experiment_outcomes";
    private static final String COLUMNS = "name, model, spec::text, state, control_version, treatment_version, rollout_id, "
            + "started_at, planned_end, stopped_at, decision, detail::text";

    private final HikariDataSource dataSource;

    private ExperimentStore(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    static ExperimentStore open(Config config) {
        HikariDataSource dataSource = SchemaPool.open(config,
                new SchemaPool.Spec("the serving gateway's experiments", SCHEMA, "experiments", "experiments", 2),
                ExperimentStore.class.getClassLoader());
        return new ExperimentStore(dataSource);
    }

    /**
     * Records a new running experiment.
     *
     * @throws IllegalStateException when the name is taken or the model has an experiment running
     */
    void insert(ExperimentSpec spec, String specJson, String controlVersion, Instant plannedEnd) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO experiments (name, model, spec, state, control_version, "
                     + "treatment_version, planned_end) VALUES (?, ?, ?::jsonb, 'running', ?, ?, ?)")) {
            ps.setString(1, spec.name());
            ps.setString(2, spec.model());
            ps.setString(3, specJson);
            ps.setString(4, controlVersion);
            ps.setString(5, spec.treatmentVersion());
            ps.setTimestamp(6, Timestamp.from(plannedEnd));
            ps.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new IllegalStateException(e.getMessage().contains("experiments_pkey")
                        ? "An experiment named '" + spec.name() + "' exists already: experiment names are never reused"
                        : "Model '" + spec.model() + "' has an experiment running already: stop it first (./platform ab stop)");
            }
            throw new IllegalStateException("Cannot store experiment " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    void setRollout(String name, long rolloutId) {
        update("UPDATE experiments SET rollout_id = ? WHERE name = ?", ps -> {
            ps.setLong(1, rolloutId);
            ps.setString(2, name);
        });
    }

    void delete(String name) {
        update("DELETE FROM experiments WHERE name = ?", ps -> ps.setString(1, name));
    }

    /** Ends a running experiment: {@code stopped} or {@code ended}, with the decision and the final detail. */
    boolean finish(String name, String state, String decision, JsonNode detail) {
        return update("UPDATE experiments SET state = ?, decision = ?, detail = ?::jsonb, stopped_at = now() "
                + "WHERE name = ? AND state = 'running'", ps -> {
                    ps.setString(1, state);
                    ps.setString(2, decision);
                    ps.setString(3, detail.toString());
                    ps.setString(4, name);
                }) == 1;
    }

    Optional<ExperimentRecord> experiment(String name) {
        return query("SELECT " + COLUMNS + " FROM experiments WHERE name = ?", ps -> ps.setString(1, name)).stream().findFirst();
    }

    List<ExperimentRecord> running() {
        return query("SELECT " + COLUMNS + " FROM experiments WHERE state = 'running' ORDER BY started_at", ps -> { });
    }

    List<ExperimentRecord> recent(int limit) {
        return query("SELECT " + COLUMNS + " FROM experiments ORDER BY started_at DESC LIMIT ?", ps -> ps.setInt(1, limit));
    }

    /** Each arm's outcomes of the latest day the lakehouse job computed for the experiment; empty before its first run. */
    Map<String, ArmOutcome> latestOutcomes(String experiment) {
        Map<String, ArmOutcome> arms = new LinkedHashMap<>();
        String sql = "SELECT experiment, arm, as_of, users, conversions, revenue_sum, revenue_sum_squares, churn_eligible, "
                + "churned, requests, errors, latency_p99_ms, computed_at FROM " + OUTCOMES + " WHERE experiment = ? "
                + "AND as_of = (SELECT max(as_of) FROM " + OUTCOMES + " WHERE experiment = ?) ORDER BY arm";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, experiment);
            ps.setString(2, experiment);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    arms.put(rs.getString(2), new ArmOutcome(rs.getString(1), rs.getString(2),
                            rs.getObject(3, java.time.LocalDate.class), rs.getLong(4), rs.getLong(5), rs.getDouble(6),
                            rs.getDouble(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getDouble(12),
                            rs.getTimestamp(13).toInstant()));
                }
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                // The lakehouse job has not run yet: no outcomes.
                return Map.of();
            }
            throw new IllegalStateException("Cannot read " + OUTCOMES + ": " + e.getMessage(), e);
        }
        return arms;
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private int update(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot update experiments: " + e.getMessage(), e);
        }
    }

    private List<ExperimentRecord> query(String sql, Binder binder) {
        List<ExperimentRecord> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ExperimentRecord(rs.getString(1), rs.getString(2), json(rs.getString(3)), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getObject(7) == null ? null : rs.getLong(7),
                            rs.getTimestamp(8).toInstant(), rs.getTimestamp(9).toInstant(),
                            rs.getTimestamp(10) == null ? null : rs.getTimestamp(10).toInstant(), rs.getString(11),
                            json(rs.getString(12))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read experiments: " + e.getMessage(), e);
        }
        return out;
    }

    private static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("Stored JSON is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
