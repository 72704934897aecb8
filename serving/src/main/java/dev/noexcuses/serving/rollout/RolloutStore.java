package dev.noexcuses.serving.rollout;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.instances.ModelServerInstance;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Deployed models and rollouts in PostgreSQL (schema {@code serving}). */
public final class RolloutStore {
    private static final TypeReference<List<ModelServerInstance>> INSTANCES = new TypeReference<>() {};
    private static final String ROLLOUT_COLUMNS = "id, model, strategy, state, phase, step, candidate_percent, "
            + "stable_version, candidate_version, reason, spec::text, detail::text, created_at, updated_at, finished_at";

    private final ServingDatabase db;

    public RolloutStore(ServingDatabase db) {
        this.db = requireNonNull(db, "db is null");
    }

    public List<DeployedModel> models() {
        return query("SELECT model, stable_version, stable_model_file, instances::text, previous_version, "
                + "previous_model_file, previous_instances::text, previous_kept_until FROM models ORDER BY model", ps -> { },
                RolloutStore::model);
    }

    public Optional<DeployedModel> model(String name) {
        return models().stream().filter(m -> m.model().equals(name)).findFirst();
    }

    public void saveModel(DeployedModel m) {
        execute("INSERT INTO models (model, stable_version, stable_model_file, instances, previous_version, "
                + "previous_model_file, previous_instances, previous_kept_until, updated_at) "
                + "VALUES (?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, now()) ON CONFLICT (model) DO UPDATE SET "
                + "stable_version = EXCLUDED.stable_version, stable_model_file = EXCLUDED.stable_model_file, "
                + "instances = EXCLUDED.instances, previous_version = EXCLUDED.previous_version, "
                + "previous_model_file = EXCLUDED.previous_model_file, previous_instances = EXCLUDED.previous_instances, "
                + "previous_kept_until = EXCLUDED.previous_kept_until, updated_at = now()", ps -> {
                    ps.setString(1, m.model());
                    ps.setString(2, m.stableVersion());
                    ps.setString(3, m.stableModelFile());
                    ps.setString(4, Json.toText(m.instances()));
                    ps.setString(5, m.previousVersion());
                    ps.setString(6, m.previousModelFile());
                    ps.setString(7, Json.toText(m.previousInstances()));
                    ps.setTimestamp(8, m.previousKeptUntil() == null ? null : Timestamp.from(m.previousKeptUntil()));
                });
    }

    /**
     * Records a new rollout, progressing.
     *
     * @throws IllegalStateException when the model has a rollout in progress or paused already
     */
    public long insert(RolloutSpec spec, String specJson, String stableVersion) {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO rollouts (model, strategy, spec, state, phase, "
                     + "stable_version, candidate_version) VALUES (?, ?, ?::jsonb, 'progressing', 'starting', ?, ?) RETURNING id")) {
            ps.setString(1, spec.model());
            ps.setString(2, spec.strategy().label());
            ps.setString(3, specJson);
            ps.setString(4, stableVersion);
            ps.setString(5, spec.version());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new IllegalStateException("Model '" + spec.model() + "' has a rollout in progress already: "
                        + "promote, abort or roll it back first (./platform rollout status)");
            }
            throw new IllegalStateException("Serving database error: " + e.getMessage(), e);
        }
    }

    public void update(long id, String state, String phase, int step, int candidatePercent, String reason,
                       JsonNode detail) {
        execute("UPDATE rollouts SET state = ?, phase = ?, step = ?, candidate_percent = ?, reason = ?, "
                + "detail = ?::jsonb, updated_at = now(), finished_at = CASE WHEN ? THEN now() ELSE NULL END WHERE id = ?",
                ps -> {
                    ps.setString(1, state);
                    ps.setString(2, phase);
                    ps.setInt(3, step);
                    ps.setInt(4, candidatePercent);
                    ps.setString(5, reason);
                    ps.setString(6, Json.toText(detail));
                    ps.setBoolean(7, !state.equals("progressing") && !state.equals("paused"));
                    ps.setLong(8, id);
                });
    }

    public Optional<RolloutRecord> rollout(long id) {
        return query("SELECT " + ROLLOUT_COLUMNS + " FROM rollouts WHERE id = ?", ps -> ps.setLong(1, id),
                RolloutStore::rollout).stream().findFirst();
    }

    public List<RolloutRecord> active() {
        return query("SELECT " + ROLLOUT_COLUMNS + " FROM rollouts WHERE state IN ('progressing', 'paused') ORDER BY id",
                ps -> { }, RolloutStore::rollout);
    }

    /** The latest rollouts, newest first; of one model when {@code model} is not null. */
    public List<RolloutRecord> recent(String model, int limit) {
        return query("SELECT " + ROLLOUT_COLUMNS + " FROM rollouts WHERE (?::text IS NULL OR model = ?) "
                + "ORDER BY id DESC LIMIT ?", ps -> {
                    ps.setString(1, model);
                    ps.setString(2, model);
                    ps.setInt(3, limit);
                }, RolloutStore::rollout);
    }

    private static DeployedModel model(ResultSet rs) throws SQLException {
        Timestamp kept = rs.getTimestamp(8);
        return new DeployedModel(rs.getString(1), rs.getString(2), rs.getString(3), instances(rs.getString(4)),
                rs.getString(5), rs.getString(6), instances(rs.getString(7)), kept == null ? null : kept.toInstant());
    }

    private static RolloutRecord rollout(ResultSet rs) throws SQLException {
        return new RolloutRecord(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getInt(6), rs.getInt(7), rs.getString(8), rs.getString(9), rs.getString(10), tree(rs.getString(11)),
                tree(rs.getString(12)), instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)),
                instant(rs.getTimestamp(15)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static JsonNode tree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("Invalid JSON in the serving tables: " + e.getMessage(), e);
        }
    }

    private static List<ModelServerInstance> instances(String json) {
        try {
            return json == null ? List.of() : Json.mapper().readValue(json, INSTANCES);
        } catch (IOException e) {
            throw new IllegalStateException("Invalid instances in the serving tables: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private void execute(String sql, Binder binder) {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Serving database error: " + e.getMessage(), e);
        }
    }

    private <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("Serving database error: " + e.getMessage(), e);
        }
    }
}
