package dev.noexcuses.registry.tracking;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.registry.RegistryException;
import dev.noexcuses.registry.store.RegistryDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.LongFunction;

/** Experiments and runs in PostgreSQL: what runs log, and run lists one keyset page at a time. */
public final class TrackingStore {
    private static final Set<String> STATUSES = Set.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED");
    /** The tags MLflow clients set for what our runs keep as columns. */
    public static final String GIT_COMMIT_TAG = "mlflow.source.git.commit";
    public static final String RUN_NAME_TAG = "mlflow.runName";

    private final RegistryDatabase db;
    private final LongFunction<String> experimentLocation;
    private final BiFunction<Long, String, String> runLocation;

    /**
     * @param experimentLocation the default artifact location of a new experiment, by id
     * @param runLocation        the artifact root of a new run, by experiment id and run id
     */
    public TrackingStore(RegistryDatabase db, LongFunction<String> experimentLocation,
                         BiFunction<Long, String, String> runLocation) {
        this.db = requireNonNull(db, "db is null");
        this.experimentLocation = requireNonNull(experimentLocation, "experimentLocation is null");
        this.runLocation = requireNonNull(runLocation, "runLocation is null");
    }

    // ---- experiments

    public Experiment createExperiment(String name, String artifactLocation, Map<String, String> tags, long now) {
        if (name == null || name.isBlank()) {
            throw RegistryException.invalid("Invalid experiment name: it is blank");
        }
        return db.inTransaction(c -> {
            if (findExperiment(c, "name = ?", name).isPresent()) {
                throw RegistryException.exists("Experiment '" + name + "' already exists");
            }
            long id;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO experiments (name, artifact_location, created_at, "
                    + "updated_at) VALUES (?, '', ?, ?) RETURNING experiment_id")) {
                s.setString(1, name);
                s.setLong(2, now);
                s.setLong(3, now);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?")) {
                s.setString(1, artifactLocation == null || artifactLocation.isBlank() ? experimentLocation.apply(id) : artifactLocation);
                s.setLong(2, id);
                s.executeUpdate();
            }
            for (Map.Entry<String, String> t : tags.entrySet()) {
                upsert(c, "experiment_tags", "experiment_id", id, t.getKey(), t.getValue());
            }
            return findExperiment(c, "experiment_id = ?", id).orElseThrow();
        });
    }

    public Experiment experiment(long id) {
        return db.inTransaction(c -> findExperiment(c, "experiment_id = ?", id))
                .orElseThrow(() -> RegistryException.notFound("No experiment with id " + id));
    }

    public Optional<Experiment> experimentByName(String name) {
        return db.inTransaction(c -> findExperiment(c, "name = ?", name));
    }

    public List<Experiment> experiments(boolean includeDeleted) {
        return db.inTransaction(c -> {
            List<Experiment> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT experiment_id FROM experiments"
                    + (includeDeleted ? "" : " WHERE lifecycle_stage = 'active'") + " ORDER BY experiment_id")) {
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(findExperiment(c, "experiment_id = ?", rs.getLong(1)).orElseThrow());
                    }
                }
            }
            return out;
        });
    }

    public void setExperimentLifecycle(long id, String stage, long now) {
        db.inTransaction(c -> {
            experimentOrFail(c, id);
            try (PreparedStatement s = c.prepareStatement("UPDATE experiments SET lifecycle_stage = ?, updated_at = ? WHERE experiment_id = ?")) {
                s.setString(1, stage);
                s.setLong(2, now);
                s.setLong(3, id);
                s.executeUpdate();
            }
            return null;
        });
    }

    public void renameExperiment(long id, String newName, long now) {
        db.inTransaction(c -> {
            experimentOrFail(c, id);
            if (findExperiment(c, "name = ?", newName).isPresent()) {
                throw RegistryException.exists("Experiment '" + newName + "' already exists");
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE experiments SET name = ?, updated_at = ? WHERE experiment_id = ?")) {
                s.setString(1, newName);
                s.setLong(2, now);
                s.setLong(3, id);
                s.executeUpdate();
            }
            return null;
        });
    }

    public void setExperimentTag(long id, String key, String value) {
        db.inTransaction(c -> {
            experimentOrFail(c, id);
            upsert(c, "experiment_tags", "experiment_id", id, key, value);
            return null;
        });
    }

    private static void experimentOrFail(Connection c, long id) throws SQLException {
        if (findExperiment(c, "experiment_id = ?", id).isEmpty()) {
            throw RegistryException.notFound("No experiment with id " + id);
        }
    }

    private static Optional<Experiment> findExperiment(Connection c, String where, Object key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT experiment_id, name, artifact_location, lifecycle_stage, "
                + "created_at, updated_at FROM experiments WHERE " + where)) {
            s.setObject(1, key);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long id = rs.getLong(1);
                Map<String, String> tags = new LinkedHashMap<>();
                try (PreparedStatement t = c.prepareStatement("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key")) {
                    t.setLong(1, id);
                    try (ResultSet trs = t.executeQuery()) {
                        while (trs.next()) {
                            tags.put(trs.getString(1), trs.getString(2));
                        }
                    }
                }
                return Optional.of(new Experiment(id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getLong(6), tags));
            }
        }
    }

    // ---- runs

    /** What a new run starts with. Blank name: a generated one. */
    public record NewRun(long experimentId, String name, String user, long startTime, String gitCommit,
                         String codeVersion, Map<String, String> tags) {
        public NewRun {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }
    }

    public Run createRun(NewRun r) {
        return db.inTransaction(c -> {
            Experiment e = findExperiment(c, "experiment_id = ?", r.experimentId())
                    .orElseThrow(() -> RegistryException.notFound("No experiment with id " + r.experimentId()));
            if (!e.lifecycleStage().equals("active")) {
                throw RegistryException.conflict("Experiment " + e.name() + " is deleted: restore it before adding runs");
            }
            String runId = UUID.randomUUID().toString().replace("-", "");
            String name = r.name() != null && !r.name().isBlank() ? r.name()
                    : r.tags().getOrDefault(RUN_NAME_TAG, "run-" + runId.substring(0, 8));
            String commit = r.gitCommit() != null && !r.gitCommit().isBlank() ? r.gitCommit() : r.tags().get(GIT_COMMIT_TAG);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO runs (run_id, experiment_id, name, user_name, status, "
                    + "start_time, artifact_uri, git_commit, code_version) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?)")) {
                s.setString(1, runId);
                s.setLong(2, r.experimentId());
                s.setString(3, name);
                s.setString(4, r.user());
                s.setLong(5, r.startTime());
                s.setString(6, runLocation.apply(r.experimentId(), runId));
                s.setString(7, commit);
                s.setString(8, r.codeVersion());
                s.executeUpdate();
            }
            for (Map.Entry<String, String> t : r.tags().entrySet()) {
                upsert(c, "run_tags", "run_id", runId, t.getKey(), t.getValue());
            }
            return loadRuns(c, List.of(runId)).get(0);
        });
    }

    public Run run(String runId) {
        return db.inTransaction(c -> {
            List<Run> runs = loadRuns(c, List.of(runId));
            if (runs.isEmpty()) {
                throw RegistryException.notFound("No run with id " + runId);
            }
            return runs.get(0);
        });
    }

    /**
     * Logs metrics, parameters, tags and input datasets to a run, all or nothing. A parameter keeps its
     * first value: logging it again with another value is refused (a run's inputs do not change).
     */
    public void log(String runId, List<Metric> metrics, Map<String, String> params, Map<String, String> tags,
                    List<Dataset> datasets) {
        db.inTransaction(c -> {
            RunRef run = activeRun(c, runId);
            for (Map.Entry<String, String> p : params.entrySet()) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?) "
                        + "ON CONFLICT (run_id, key) DO NOTHING")) {
                    s.setString(1, runId);
                    s.setString(2, p.getKey());
                    s.setString(3, p.getValue());
                    if (s.executeUpdate() == 0) {
                        try (PreparedStatement q = c.prepareStatement("SELECT value FROM run_params WHERE run_id = ? AND key = ?")) {
                            q.setString(1, runId);
                            q.setString(2, p.getKey());
                            try (ResultSet rs = q.executeQuery()) {
                                rs.next();
                                if (!rs.getString(1).equals(p.getValue())) {
                                    throw RegistryException.invalid("Parameter '" + p.getKey() + "' of run " + runId
                                            + " is already '" + rs.getString(1) + "': a parameter cannot be changed (got '"
                                            + p.getValue() + "')");
                                }
                            }
                        }
                    }
                }
            }
            for (Map.Entry<String, String> t : tags.entrySet()) {
                upsert(c, "run_tags", "run_id", runId, t.getKey(), t.getValue());
                if (t.getKey().equals(GIT_COMMIT_TAG)) {
                    setColumn(c, runId, "git_commit", t.getValue());
                } else if (t.getKey().equals(RUN_NAME_TAG)) {
                    setColumn(c, runId, "name", t.getValue());
                }
            }
            if (!metrics.isEmpty()) {
                try (PreparedStatement history = c.prepareStatement("INSERT INTO run_metrics (run_id, key, value, step, timestamp) "
                        + "VALUES (?, ?, ?, ?, ?)");
                     PreparedStatement latest = c.prepareStatement("INSERT INTO run_latest_metrics (run_id, key, experiment_id, "
                             + "run_seq, value, step, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE "
                             + "SET value = EXCLUDED.value, step = EXCLUDED.step, timestamp = EXCLUDED.timestamp "
                             + "WHERE (EXCLUDED.step, EXCLUDED.timestamp) >= (run_latest_metrics.step, run_latest_metrics.timestamp)")) {
                    for (Metric m : metrics) {
                        if (m.key().isBlank()) {
                            throw RegistryException.invalid("Invalid metric: its key is blank");
                        }
                        history.setString(1, runId);
                        history.setString(2, m.key());
                        history.setDouble(3, m.value());
                        history.setLong(4, m.step());
                        history.setLong(5, m.timestamp());
                        history.addBatch();
                        latest.setString(1, runId);
                        latest.setString(2, m.key());
                        latest.setLong(3, run.experimentId());
                        latest.setLong(4, run.seq());
                        latest.setDouble(5, m.value());
                        latest.setLong(6, m.step());
                        latest.setLong(7, m.timestamp());
                        latest.addBatch();
                    }
                    history.executeBatch();
                    latest.executeBatch();
                }
            }
            for (Dataset d : datasets) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO run_datasets (run_id, table_name, snapshot_id, context, "
                        + "name, digest) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    s.setString(1, runId);
                    s.setString(2, d.table());
                    s.setLong(3, d.snapshotId());
                    s.setString(4, d.context());
                    s.setString(5, d.name());
                    s.setString(6, d.digest());
                    s.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Sets a run's status (and end time: given, or now for a status that ends the run; and its name when given). */
    public Run update(String runId, String status, Long endTime, String name) {
        String newStatus = status == null || status.isBlank() ? null : status.toUpperCase(Locale.ROOT);
        if (newStatus != null && !STATUSES.contains(newStatus)) {
            throw RegistryException.invalid("Invalid run status '" + status + "': expected one of " + STATUSES);
        }
        Long end = endTime != null || newStatus == null || newStatus.equals("RUNNING") || newStatus.equals("SCHEDULED")
                ? endTime : Long.valueOf(System.currentTimeMillis());
        return db.inTransaction(c -> {
            activeRun(c, runId);
            if (newStatus != null) {
                setColumn(c, runId, "status", newStatus);
            }
            if (end != null) {
                try (PreparedStatement s = c.prepareStatement("UPDATE runs SET end_time = ? WHERE run_id = ?")) {
                    s.setLong(1, end);
                    s.setString(2, runId);
                    s.executeUpdate();
                }
            }
            if (name != null && !name.isBlank()) {
                setColumn(c, runId, "name", name);
            }
            return loadRuns(c, List.of(runId)).get(0);
        });
    }

    public void setRunLifecycle(String runId, String stage) {
        db.inTransaction(c -> {
            if (loadRuns(c, List.of(runId)).isEmpty()) {
                throw RegistryException.notFound("No run with id " + runId);
            }
            setColumn(c, runId, "lifecycle_stage", stage);
            return null;
        });
    }

    public void deleteTag(String runId, String key) {
        db.inTransaction(c -> {
            activeRun(c, runId);
            try (PreparedStatement s = c.prepareStatement("DELETE FROM run_tags WHERE run_id = ? AND key = ?")) {
                s.setString(1, runId);
                s.setString(2, key);
                if (s.executeUpdate() == 0) {
                    throw RegistryException.notFound("Run " + runId + " has no tag '" + key + "'");
                }
            }
            return null;
        });
    }

    /** Every logged value of one metric of a run, by step then time. */
    public List<Metric> metricHistory(String runId, String key) {
        return db.inTransaction(c -> {
            if (loadRuns(c, List.of(runId)).isEmpty()) {
                throw RegistryException.notFound("No run with id " + runId);
            }
            List<Metric> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT key, value, step, timestamp FROM run_metrics "
                    + "WHERE run_id = ? AND key = ? ORDER BY step, timestamp, id")) {
                s.setString(1, runId);
                s.setString(2, key);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Metric(rs.getString(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4)));
                    }
                }
            }
            return out;
        });
    }

    /** One page of runs: see {@link RunQuery} for the filter, the orders and why pages are keyset pages. */
    public RunPage search(RunQuery q) {
        PageSql page = pageSql(q);
        return db.inTransaction(c -> {
            List<String> ids = new ArrayList<>();
            List<Object> sortValues = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            try (PreparedStatement s = page.prepare(c, "")) {
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                        seqs.add(rs.getLong(2));
                        sortValues.add(page.order().metric() != null ? (Object) rs.getDouble(3)
                                : page.order().column().equals("start_time") ? (Object) rs.getLong(3) : rs.getString(3));
                    }
                }
            }
            // One row more than the page was asked for: there is a next page, which starts after the page's last row.
            boolean more = ids.size() > q.maxResults();
            int n = Math.min(ids.size(), q.maxResults());
            List<Run> runs = loadRuns(c, ids.subList(0, n));
            return new RunPage(runs, more ? RunQuery.token(page.order(), sortValues.get(n - 1), seqs.get(n - 1)) : "");
        });
    }

    /** The plan PostgreSQL chooses for the page {@code q} asks for (EXPLAIN), to see which index serves a list. */
    public String explain(RunQuery q) {
        PageSql page = pageSql(q);
        return db.inTransaction(c -> {
            StringBuilder plan = new StringBuilder();
            try (PreparedStatement s = page.prepare(c, "EXPLAIN "); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        });
    }

    private record PageSql(RunQuery.Order order, String sql, List<Object> params) {
        PreparedStatement prepare(Connection c, String prefix) throws SQLException {
            PreparedStatement s = c.prepareStatement(prefix + sql);
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Long[] array) {
                    s.setArray(i + 1, c.createArrayOf("bigint", array));
                } else {
                    s.setObject(i + 1, p);
                }
            }
            return s;
        }
    }

    private static PageSql pageSql(RunQuery q) {
        if (q.experimentIds().isEmpty()) {
            throw RegistryException.invalid("Invalid run search: name at least one experiment id");
        }
        RunQuery.Order order = q.order();
        RunQuery.After after = q.after(order);
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        // One experiment (the usual list) is an equality, so its index also gives the order and no sort is needed.
        boolean one = q.experimentIds().size() == 1;
        Object experiments = one ? (Object) q.experimentIds().get(0) : q.experimentIds().toArray(new Long[0]);
        String sortExpr;
        String seqExpr;
        if (order.metric() != null) {
            sortExpr = "m.value";
            seqExpr = "m.run_seq";
            sql.append("SELECT r.run_id, r.run_seq, m.value AS sort_value FROM run_latest_metrics m JOIN runs r ON r.run_id = m.run_id "
                    + "WHERE m.experiment_id ").append(one ? "= ?" : "= ANY(?)").append(" AND m.key = ?");
            params.add(experiments);
            params.add(order.metric());
        } else {
            sortExpr = "r." + order.column();
            seqExpr = "r.run_seq";
            sql.append("SELECT r.run_id, r.run_seq, r.").append(order.column()).append(" AS sort_value FROM runs r "
                    + "WHERE r.experiment_id ").append(one ? "= ?" : "= ANY(?)");
            params.add(experiments);
        }
        switch (q.viewType()) {
            case "ALL" -> { }
            case "DELETED_ONLY" -> sql.append(" AND r.lifecycle_stage = 'deleted'");
            default -> sql.append(" AND r.lifecycle_stage = 'active'");
        }
        for (RunQuery.Condition condition : q.conditions()) {
            sql.append(" AND ").append(condition.sql());
            params.addAll(condition.params());
        }
        String dir = order.descending() ? "DESC" : "ASC";
        if (after != null) {
            // The keyset condition: strictly after the last row of the previous page, in the index's order.
            sql.append(" AND (").append(sortExpr).append(", ").append(seqExpr).append(order.descending() ? ") < (?, ?)" : ") > (?, ?)");
            params.add(after.value());
            params.add(after.runSeq());
        }
        sql.append(" ORDER BY ").append(sortExpr).append(' ').append(dir).append(", ").append(seqExpr).append(' ').append(dir)
                .append(" LIMIT ?");
        params.add(q.maxResults() + 1);
        return new PageSql(order, sql.toString(), params);
    }

    // ---- shared

    private record RunRef(long experimentId, long seq) {}

    private static RunRef activeRun(Connection c, String runId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT experiment_id, run_seq, lifecycle_stage FROM runs WHERE run_id = ?")) {
            s.setString(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw RegistryException.notFound("No run with id " + runId);
                }
                if (!rs.getString(3).equals("active")) {
                    throw RegistryException.conflict("Run " + runId + " is deleted: restore it before logging to it");
                }
                return new RunRef(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    private static void setColumn(Connection c, String runId, String column, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE runs SET " + column + " = ? WHERE run_id = ?")) {
            s.setString(1, value);
            s.setString(2, runId);
            s.executeUpdate();
        }
    }

    private static void upsert(Connection c, String table, String idColumn, Object id, String key, String value) throws SQLException {
        if (key == null || key.isBlank()) {
            throw RegistryException.invalid("Invalid tag: its key is blank");
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " (" + idColumn + ", key, value) VALUES (?, ?, ?) "
                + "ON CONFLICT (" + idColumn + ", key) DO UPDATE SET value = EXCLUDED.value")) {
            s.setObject(1, id);
            s.setString(2, key);
            s.setString(3, value == null ? "" : value);
            s.executeUpdate();
        }
    }

    /** Runs by id, in the order given, with their parameters, tags, latest metrics and datasets (four queries per page). */
    static List<Run> loadRuns(Connection c, List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        java.sql.Array idArray = c.createArrayOf("text", ids.toArray());
        Map<String, Map<String, String>> params = keyValues(c, "run_params", idArray);
        Map<String, Map<String, String>> tags = keyValues(c, "run_tags", idArray);
        Map<String, List<Metric>> metrics = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, key, value, step, timestamp FROM run_latest_metrics "
                + "WHERE run_id = ANY(?) ORDER BY key")) {
            s.setArray(1, idArray);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    metrics.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new Metric(rs.getString(2), rs.getDouble(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        Map<String, List<Dataset>> datasets = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, table_name, snapshot_id, context, name, digest "
                + "FROM run_datasets WHERE run_id = ANY(?) ORDER BY table_name, snapshot_id")) {
            s.setArray(1, idArray);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    datasets.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new Dataset(rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6)));
                }
            }
        }
        Map<String, Run> byId = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, experiment_id, name, user_name, status, start_time, "
                + "end_time, artifact_uri, git_commit, code_version, lifecycle_stage FROM runs WHERE run_id = ANY(?)")) {
            s.setArray(1, idArray);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    long end = rs.getLong(7);
                    Long endTime = rs.wasNull() ? null : end;
                    byId.put(id, new Run(id, rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                            endTime, rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
                            params.getOrDefault(id, Map.of()), tags.getOrDefault(id, Map.of()),
                            metrics.getOrDefault(id, List.of()), datasets.getOrDefault(id, List.of())));
                }
            }
        }
        return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
    }

    private static Map<String, Map<String, String>> keyValues(Connection c, String table, java.sql.Array ids) throws SQLException {
        Map<String, Map<String, String>> out = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, key, value FROM " + table + " WHERE run_id = ANY(?) ORDER BY key")) {
            s.setArray(1, ids);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
        }
        return out;
    }
}
