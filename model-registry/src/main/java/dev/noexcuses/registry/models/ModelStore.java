package dev.noexcuses.registry.models;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.RegistryException;
import dev.noexcuses.registry.auth.Caller;
import dev.noexcuses.registry.auth.Role;
import dev.noexcuses.registry.store.RegistryDatabase;
import dev.noexcuses.registry.tracking.Run;
import dev.noexcuses.registry.tracking.TrackingStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Registered models, their versions and aliases in PostgreSQL, and the rules of promotion: a protected
 * alias ({@code model-registry.protected-aliases}) moves only when a request naming a reason, for a
 * version whose gates all passed, is approved by an approver who is not the requester. Every alias move
 * is appended to {@code alias_events} (never changed: the history "as of" any time) and every decision
 * to {@code audit_events}.
 */
public final class ModelStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");

    private final RegistryDatabase db;
    private final TrackingStore tracking;
    private final Set<String> protectedAliases;

    public ModelStore(RegistryDatabase db, TrackingStore tracking, Set<String> protectedAliases) {
        this.db = requireNonNull(db, "db is null");
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.protectedAliases = Set.copyOf(protectedAliases);
    }

    public boolean isProtected(String alias) {
        return protectedAliases.contains(alias);
    }

    public Set<String> protectedAliases() {
        return protectedAliases;
    }

    // ---- models

    public RegisteredModel createModel(String name, String description, Caller by, long now) {
        checkName("model name", name);
        return db.inTransaction(c -> {
            if (modelRow(c, name, false)) {
                throw RegistryException.exists("Registered model '" + name + "' already exists");
            }
            insertModel(c, name, description, by, now);
            audit(c, now, by.name(), "model_created", name, null, null, null, description == null ? "" : description, null);
            return loadModel(c, name);
        });
    }

    private static void insertModel(Connection c, String name, String description, Caller by, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO registered_models (name, description, created_by, created_at, "
                + "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING")) {
            s.setString(1, name);
            s.setString(2, description == null ? "" : description);
            s.setString(3, by.name());
            s.setLong(4, now);
            s.setLong(5, now);
            s.executeUpdate();
        }
    }

    public RegisteredModel model(String name) {
        return db.inTransaction(c -> {
            if (!modelRow(c, name, false)) {
                throw RegistryException.notFound("No registered model '" + name + "'");
            }
            return loadModel(c, name);
        });
    }

    public List<RegisteredModel> models() {
        return db.inTransaction(c -> {
            List<RegisteredModel> out = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT name FROM registered_models ORDER BY name");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String n : names) {
                out.add(loadModel(c, n));
            }
            return out;
        });
    }

    // ---- versions

    /** What a new version is made of. Blank source: the run's artifact root plus {@code artifactPath}. */
    public record NewVersion(String model, String runId, String source, String artifactPath, List<Feature> signature,
                             Map<String, Double> metrics, String description, Map<String, String> tags, List<Gate> gates) {
        public NewVersion {
            signature = signature == null ? List.of() : List.copyOf(signature);
            metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
            tags = tags == null ? Map.of() : Map.copyOf(tags);
            gates = gates == null ? List.of() : List.copyOf(gates);
        }
    }

    /**
     * Registers the next version of a model (creating the model on its first version when
     * {@code createModel}). Without metrics of its own, a version takes its run's latest metrics.
     */
    public ModelVersion createVersion(NewVersion v, boolean createModel, Caller by, long now) {
        checkName("model name", v.model());
        Run run = v.runId() == null || v.runId().isBlank() ? null : tracking.run(v.runId());
        String source = v.source() != null && !v.source().isBlank() ? v.source()
                : run != null ? run.artifactUri() + "/" + (v.artifactPath() == null || v.artifactPath().isBlank() ? "model"
                        : v.artifactPath().replaceAll("^/+", "")) : null;
        if (source == null) {
            throw RegistryException.invalid("Invalid model version of " + v.model() + ": give a source (artifact location) or a run_id");
        }
        Map<String, Double> metrics = new TreeMap<>(v.metrics());
        if (metrics.isEmpty() && run != null) {
            run.metrics().forEach(m -> metrics.put(m.key(), m.value()));
        }
        int version = db.inTransaction(c -> {
            if (!modelRow(c, v.model(), true)) {
                if (!createModel) {
                    throw RegistryException.notFound("No registered model '" + v.model() + "': create it first");
                }
                insertModel(c, v.model(), "", by, now);
                modelRow(c, v.model(), true);
            }
            int next;
            try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model = ?")) {
                s.setString(1, v.model());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    next = rs.getInt(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO model_versions (model, version, run_id, source, signature, "
                    + "metrics, description, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, v.model());
                s.setInt(2, next);
                s.setString(3, run == null ? null : run.runId());
                s.setString(4, source);
                s.setString(5, Json.toText(v.signature()));
                s.setString(6, Json.toText(metrics));
                s.setString(7, v.description() == null ? "" : v.description());
                s.setString(8, by.name());
                s.setLong(9, now);
                s.executeUpdate();
            }
            for (Map.Entry<String, String> t : v.tags().entrySet()) {
                setVersionTag(c, v.model(), next, t.getKey(), t.getValue());
            }
            for (Gate g : v.gates()) {
                putGate(c, v.model(), next, g.gate(), g.passed(), g.detail(), by, now);
            }
            touch(c, v.model(), now);
            audit(c, now, by.name(), "version_registered", v.model(), null, null, next,
                    "source " + source + (run == null ? "" : ", run " + run.runId()), null);
            return next;
        });
        return version(v.model(), version);
    }

    public ModelVersion version(String model, int version) {
        ModelVersion bare = db.inTransaction(c -> loadVersion(c, model, version));
        Run run = bare.runId() == null ? null : tracking.run(bare.runId());
        return new ModelVersion(bare.model(), bare.version(), bare.runId(), bare.source(), bare.signature(), bare.metrics(),
                bare.description(), bare.status(), bare.createdBy(), bare.creationTime(), bare.tags(), bare.gates(),
                bare.aliases(), run);
    }

    /** Every version of a model, newest first, without their runs. */
    public List<ModelVersion> versions(String model) {
        return db.inTransaction(c -> {
            if (!modelRow(c, model, false)) {
                throw RegistryException.notFound("No registered model '" + model + "'");
            }
            List<Integer> numbers = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT version FROM model_versions WHERE model = ? ORDER BY version DESC")) {
                s.setString(1, model);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        numbers.add(rs.getInt(1));
                    }
                }
            }
            List<ModelVersion> out = new ArrayList<>();
            for (int n : numbers) {
                out.add(loadVersion(c, model, n));
            }
            return out;
        });
    }

    /** Versions made by a run (MLflow's model-versions/search with run_id), or every version when runId is null. */
    public List<ModelVersion> versionsWhere(String model, String runId) {
        return db.inTransaction(c -> {
            List<String[]> keys = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT model, version FROM model_versions WHERE (CAST(? AS TEXT) IS NULL OR model = ?) "
                    + "AND (CAST(? AS TEXT) IS NULL OR run_id = ?) ORDER BY model, version DESC")) {
                s.setString(1, model);
                s.setString(2, model);
                s.setString(3, runId);
                s.setString(4, runId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new String[] {rs.getString(1), String.valueOf(rs.getInt(2))});
                    }
                }
            }
            List<ModelVersion> out = new ArrayList<>();
            for (String[] k : keys) {
                out.add(loadVersion(c, k[0], Integer.parseInt(k[1])));
            }
            return out;
        });
    }

    public void setVersionTag(String model, int version, String key, String value) {
        db.inTransaction(c -> {
            loadVersion(c, model, version);
            setVersionTag(c, model, version, key, value);
            return null;
        });
    }

    /** Records the result of one validation gate of a version (the last result of a gate counts). */
    public ModelVersion recordGate(String model, int version, String gate, boolean passed, String detail, Caller by, long now) {
        if (gate == null || gate.isBlank()) {
            throw RegistryException.invalid("Invalid gate: its name is blank");
        }
        db.inTransaction(c -> {
            loadVersion(c, model, version);
            putGate(c, model, version, gate, passed, detail, by, now);
            audit(c, now, by.name(), passed ? "gate_passed" : "gate_failed", model, null, null, version,
                    gate + (detail == null || detail.isBlank() ? "" : ": " + detail), null);
            return null;
        });
        return version(model, version);
    }

    // ---- aliases

    /** The version an alias points at now. */
    public Optional<Integer> alias(String model, String alias) {
        return aliasAsOf(model, alias, Long.MAX_VALUE);
    }

    /** The version the alias pointed at, at time {@code at} (epoch ms): the latest move at or before it. */
    public Optional<Integer> aliasAsOf(String model, String alias, long at) {
        return db.inTransaction(c -> {
            if (!modelRow(c, model, false)) {
                throw RegistryException.notFound("No registered model '" + model + "'");
            }
            return aliasAt(c, model, alias, at);
        });
    }

    private static Optional<Integer> aliasAt(Connection c, String model, String alias, long at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT version FROM alias_events WHERE model = ? AND alias = ? AND at <= ? "
                + "ORDER BY at DESC, event_id DESC LIMIT 1")) {
            s.setString(1, model);
            s.setString(2, alias);
            s.setLong(3, at);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int v = rs.getInt(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(v);
            }
        }
    }

    /** Every alias of a model and its version at time {@code at}. */
    public Map<String, Integer> aliasesAsOf(String model, long at) {
        return db.inTransaction(c -> aliasesAt(c, model, at));
    }

    private static Map<String, Integer> aliasesAt(Connection c, String model, long at) throws SQLException {
        Map<String, Integer> out = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT ON (alias) alias, version FROM alias_events "
                + "WHERE model = ? AND at <= ? ORDER BY alias, at DESC, event_id DESC")) {
            s.setString(1, model);
            s.setLong(2, at);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int v = rs.getInt(2);
                    if (!rs.wasNull()) {
                        out.put(rs.getString(1), v);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Moves an unprotected alias to a version (or removes it, version null). A protected alias is refused
     * with 403: it moves only through {@link #requestPromotion} and {@link #approve}.
     */
    public AliasEvent setAlias(String model, String alias, Integer version, String reason, Caller by, long now) {
        by.require(Role.EDITOR);
        checkName("alias", alias);
        if (isProtected(alias)) {
            throw RegistryException.forbidden("Alias '" + alias + "' is protected: it moves only through a promotion request "
                    + "approved by another user (POST /api/v1/models/" + model + "/promotions, or ./platform models request-promotion)");
        }
        return db.inTransaction(c -> {
            if (!modelRow(c, model, true)) {
                throw RegistryException.notFound("No registered model '" + model + "'");
            }
            if (version != null) {
                loadVersion(c, model, version);
            }
            return moveAlias(c, model, alias, version, by.name(), null, reason, null, now);
        });
    }

    /** The moves of a model's aliases (one alias, or all when null), newest first. */
    public List<AliasEvent> history(String model, String alias, int limit) {
        return db.inTransaction(c -> {
            if (!modelRow(c, model, false)) {
                throw RegistryException.notFound("No registered model '" + model + "'");
            }
            List<AliasEvent> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT event_id, model, alias, version, previous_version, at, moved_by, "
                    + "approved_by, reason, request_id FROM alias_events WHERE model = ? AND (CAST(? AS TEXT) IS NULL OR alias = ?) "
                    + "ORDER BY at DESC, event_id DESC LIMIT ?")) {
                s.setString(1, model);
                s.setString(2, alias);
                s.setString(3, alias);
                s.setInt(4, limit);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AliasEvent(rs.getLong(1), rs.getString(2), rs.getString(3), intOrNull(rs, 4), intOrNull(rs, 5),
                                rs.getLong(6), rs.getString(7), rs.getString(8), rs.getString(9), longOrNull(rs, 10)));
                    }
                }
            }
            return out;
        });
    }

    private AliasEvent moveAlias(Connection c, String model, String alias, Integer version, String movedBy, String approvedBy,
                                 String reason, Long requestId, long now) throws SQLException {
        Integer previous = aliasAt(c, model, alias, Long.MAX_VALUE).orElse(null);
        long id;
        try (PreparedStatement s = c.prepareStatement("INSERT INTO alias_events (model, alias, version, previous_version, at, "
                + "moved_by, approved_by, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING event_id")) {
            s.setString(1, model);
            s.setString(2, alias);
            setInt(s, 3, version);
            setInt(s, 4, previous);
            s.setLong(5, now);
            s.setString(6, movedBy);
            s.setString(7, approvedBy);
            s.setString(8, reason == null ? "" : reason);
            if (requestId == null) {
                s.setNull(9, Types.BIGINT);
            } else {
                s.setLong(9, requestId);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        touch(c, model, now);
        audit(c, now, approvedBy != null ? approvedBy : movedBy, version == null ? "alias_removed" : "alias_moved", model, alias,
                previous, version, reason == null ? "" : reason, requestId);
        return new AliasEvent(id, model, alias, version, previous, now, movedBy, approvedBy, reason == null ? "" : reason, requestId);
    }

    // ---- promotion of protected aliases

    /** Asks for a protected alias to move to a version. The version's gates must all have passed. */
    public PromotionRequest requestPromotion(String model, String alias, int version, String reason, Caller by, long now) {
        by.require(Role.EDITOR);
        if (!isProtected(alias)) {
            throw RegistryException.invalid("Alias '" + alias + "' is not protected (" + protectedAliases
                    + "): set it directly (PUT /api/v1/models/" + model + "/aliases/" + alias + ")");
        }
        if (reason == null || reason.isBlank()) {
            throw RegistryException.invalid("Invalid promotion request: name the reason (why this version should be " + alias + ")");
        }
        return db.inTransaction(c -> {
            if (!modelRow(c, model, true)) {
                throw RegistryException.notFound("No registered model '" + model + "'");
            }
            ModelVersion v = loadVersion(c, model, version);
            requireGatesPassed(v, alias);
            if (aliasAt(c, model, alias, Long.MAX_VALUE).filter(x -> x == version).isPresent()) {
                throw RegistryException.conflict(model + " version " + version + " already is " + alias);
            }
            if (pending(c, model, alias).isPresent()) {
                throw RegistryException.conflict("A promotion of " + model + " to " + alias + " is already pending (request "
                        + pending(c, model, alias).get() + "): approve or reject it first");
            }
            long id;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO promotion_requests (model, alias, version, reason, "
                    + "requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING request_id")) {
                s.setString(1, model);
                s.setString(2, alias);
                s.setInt(3, version);
                s.setString(4, reason);
                s.setString(5, by.name());
                s.setLong(6, now);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            audit(c, now, by.name(), "promotion_requested", model, alias, aliasAt(c, model, alias, Long.MAX_VALUE).orElse(null),
                    version, reason, id);
            return loadRequest(c, id, false);
        });
    }

    /**
     * Approves a pending request and moves the alias: only an approver other than the requester, and
     * only while the version's gates still all pass.
     */
    public AliasEvent approve(long requestId, String comment, Caller by, long now) {
        by.require(Role.APPROVER);
        return db.inTransaction(c -> {
            PromotionRequest r = loadRequest(c, requestId, true);
            if (!r.status().equals("pending")) {
                throw RegistryException.conflict("Promotion request " + requestId + " is " + r.status() + ", not pending");
            }
            if (r.requestedBy().equals(by.name())) {
                throw RegistryException.forbidden("User '" + by.name() + "' cannot approve their own promotion request "
                        + requestId + ": another approver must");
            }
            modelRow(c, r.model(), true);
            requireGatesPassed(loadVersion(c, r.model(), r.version()), r.alias());
            decide(c, requestId, "approved", by, comment, now);
            audit(c, now, by.name(), "promotion_approved", r.model(), r.alias(), null, r.version(),
                    comment == null || comment.isBlank() ? r.reason() : comment, requestId);
            return moveAlias(c, r.model(), r.alias(), r.version(), r.requestedBy(), by.name(), r.reason(), requestId, now);
        });
    }

    /** Rejects a pending request (an approver; the requester may also withdraw their own). */
    public PromotionRequest reject(long requestId, String comment, Caller by, long now) {
        return db.inTransaction(c -> {
            PromotionRequest r = loadRequest(c, requestId, true);
            if (!by.may(Role.APPROVER) && !r.requestedBy().equals(by.name())) {
                throw RegistryException.forbidden("User '" + by.name() + "' lacks the approver role to reject request " + requestId);
            }
            if (!r.status().equals("pending")) {
                throw RegistryException.conflict("Promotion request " + requestId + " is " + r.status() + ", not pending");
            }
            decide(c, requestId, "rejected", by, comment, now);
            audit(c, now, by.name(), "promotion_rejected", r.model(), r.alias(), null, r.version(),
                    comment == null ? "" : comment, requestId);
            return loadRequest(c, requestId, false);
        });
    }

    /** Promotion requests, newest first: of one status (e.g. pending) or all when null, of one model or all. */
    public List<PromotionRequest> requests(String model, String status) {
        return db.inTransaction(c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT request_id FROM promotion_requests WHERE (CAST(? AS TEXT) IS NULL OR model = ?) "
                    + "AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY request_id DESC LIMIT 500")) {
                s.setString(1, model);
                s.setString(2, model);
                s.setString(3, status);
                s.setString(4, status);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            List<PromotionRequest> out = new ArrayList<>();
            for (long id : ids) {
                out.add(loadRequest(c, id, false));
            }
            return out;
        });
    }

    public List<AuditEvent> audit(String model, int limit) {
        return db.inTransaction(c -> {
            List<AuditEvent> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT event_id, at, actor, action, model, alias, from_version, to_version, "
                    + "reason, request_id FROM audit_events WHERE (CAST(? AS TEXT) IS NULL OR model = ?) ORDER BY event_id DESC LIMIT ?")) {
                s.setString(1, model);
                s.setString(2, model);
                s.setInt(3, limit);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEvent(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), intOrNull(rs, 7), intOrNull(rs, 8), rs.getString(9), longOrNull(rs, 10)));
                    }
                }
            }
            return out;
        });
    }

    private static void requireGatesPassed(ModelVersion v, String alias) {
        if (v.gates().isEmpty()) {
            throw RegistryException.conflict(v.model() + " version " + v.version() + " has no validation gates recorded: "
                    + alias + " takes only a version whose gates passed");
        }
        List<String> failed = v.gates().stream().filter(g -> !g.passed())
                .map(g -> g.gate() + (g.detail().isBlank() ? "" : " (" + g.detail() + ")")).toList();
        if (!failed.isEmpty()) {
            throw RegistryException.conflict(v.model() + " version " + v.version() + " failed its validation gates " + failed
                    + ": it cannot become " + alias);
        }
    }

    private static Optional<Long> pending(Connection c, String model, String alias) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT request_id FROM promotion_requests WHERE model = ? AND alias = ? "
                + "AND status = 'pending'")) {
            s.setString(1, model);
            s.setString(2, alias);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private static void decide(Connection c, long id, String status, Caller by, String comment, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE promotion_requests SET status = ?, decided_by = ?, decided_at = ?, "
                + "comment = ? WHERE request_id = ?")) {
            s.setString(1, status);
            s.setString(2, by.name());
            s.setLong(3, now);
            s.setString(4, comment == null ? "" : comment);
            s.setLong(5, id);
            s.executeUpdate();
        }
    }

    private static PromotionRequest loadRequest(Connection c, long id, boolean forUpdate) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT request_id, model, alias, version, reason, requested_by, requested_at, "
                + "status, decided_by, decided_at, comment FROM promotion_requests WHERE request_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw RegistryException.notFound("No promotion request " + id);
                }
                return new PromotionRequest(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), longOrNull(rs, 10), rs.getString(11));
            }
        }
    }

    // ---- shared

    /** Whether the model exists; with {@code lock}, its row is locked so alias moves of one model happen one at a time. */
    private static boolean modelRow(Connection c, String name, boolean lock) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM registered_models WHERE name = ?" + (lock ? " FOR UPDATE" : ""))) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static RegisteredModel loadModel(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT m.name, m.description, m.created_by, m.created_at, m.updated_at, "
                + "(SELECT COALESCE(MAX(version), 0) FROM model_versions v WHERE v.model = m.name) FROM registered_models m WHERE m.name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new RegisteredModel(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getInt(6), aliasesAt(c, name, Long.MAX_VALUE));
            }
        }
    }

    private static ModelVersion loadVersion(Connection c, String model, int version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, source, signature, metrics, description, status, created_by, "
                + "created_at FROM model_versions WHERE model = ? AND version = ?")) {
            s.setString(1, model);
            s.setInt(2, version);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw RegistryException.notFound("No version " + version + " of model '" + model + "'");
                }
                List<Feature> signature = parse(rs.getString(3), new TypeReference<List<Feature>>() { });
                Map<String, Double> metrics = parse(rs.getString(4), new TypeReference<Map<String, Double>>() { });
                Map<String, String> tags = new LinkedHashMap<>();
                try (PreparedStatement t = c.prepareStatement("SELECT key, value FROM model_version_tags WHERE model = ? AND version = ? ORDER BY key")) {
                    t.setString(1, model);
                    t.setInt(2, version);
                    try (ResultSet trs = t.executeQuery()) {
                        while (trs.next()) {
                            tags.put(trs.getString(1), trs.getString(2));
                        }
                    }
                }
                List<Gate> gates = new ArrayList<>();
                try (PreparedStatement g = c.prepareStatement("SELECT gate, passed, detail, recorded_by, recorded_at FROM version_gates "
                        + "WHERE model = ? AND version = ? ORDER BY gate")) {
                    g.setString(1, model);
                    g.setInt(2, version);
                    try (ResultSet grs = g.executeQuery()) {
                        while (grs.next()) {
                            gates.add(new Gate(grs.getString(1), grs.getBoolean(2), grs.getString(3), grs.getString(4), grs.getLong(5)));
                        }
                    }
                }
                List<String> aliases = aliasesAt(c, model, Long.MAX_VALUE).entrySet().stream()
                        .filter(e -> e.getValue() == version).map(Map.Entry::getKey).toList();
                return new ModelVersion(model, version, rs.getString(1), rs.getString(2), signature, metrics, rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getLong(8), tags, gates, aliases, null);
            }
        }
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        try {
            return Json.mapper().readValue(json, type);
        } catch (Exception e) {
            throw new IllegalStateException("Unreadable stored JSON: " + e.getMessage(), e);
        }
    }

    private static void putGate(Connection c, String model, int version, String gate, boolean passed, String detail, Caller by,
                                long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO version_gates (model, version, gate, passed, detail, recorded_by, "
                + "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, version, gate) DO UPDATE SET passed = EXCLUDED.passed, "
                + "detail = EXCLUDED.detail, recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at")) {
            s.setString(1, model);
            s.setInt(2, version);
            s.setString(3, gate);
            s.setBoolean(4, passed);
            s.setString(5, detail == null ? "" : detail);
            s.setString(6, by.name());
            s.setLong(7, now);
            s.executeUpdate();
        }
    }

    private static void setVersionTag(Connection c, String model, int version, String key, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO model_version_tags (model, version, key, value) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (model, version, key) DO UPDATE SET value = EXCLUDED.value")) {
            s.setString(1, model);
            s.setInt(2, version);
            s.setString(3, key);
            s.setString(4, value == null ? "" : value);
            s.executeUpdate();
        }
    }

    private static void touch(Connection c, String model, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE registered_models SET updated_at = ? WHERE name = ?")) {
            s.setLong(1, now);
            s.setString(2, model);
            s.executeUpdate();
        }
    }

    private static void audit(Connection c, long at, String actor, String action, String model, String alias, Integer from,
                              Integer to, String reason, Long requestId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO audit_events (at, actor, action, model, alias, from_version, "
                + "to_version, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setLong(1, at);
            s.setString(2, actor);
            s.setString(3, action);
            s.setString(4, model);
            s.setString(5, alias);
            setInt(s, 6, from);
            setInt(s, 7, to);
            s.setString(8, reason == null ? "" : reason);
            if (requestId == null) {
                s.setNull(9, Types.BIGINT);
            } else {
                s.setLong(9, requestId);
            }
            s.executeUpdate();
        }
    }

    private static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw RegistryException.invalid("Invalid " + what + " '" + name + "': expected letters, digits, '_', '.' or '-' "
                    + "(at most 128, starting with a letter or digit)");
        }
    }

    private static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setInt(i, v);
        }
    }

    private static Integer intOrNull(ResultSet rs, int i) throws SQLException {
        int v = rs.getInt(i);
        return rs.wasNull() ? null : v;
    }

    private static Long longOrNull(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
