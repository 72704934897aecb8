package dev.noexcuses.alerting.state;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.rule.Observation;
import dev.noexcuses.common.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Alert states, their history, silences and the notification outbox in PostgreSQL. A transition and the
 * notifications announcing it are written in one transaction; delivery marks each one sent. So a
 * restarted evaluator finds its alerts where they were (a firing alert is not announced again) and
 * delivers what was written but not yet sent.
 */
public final class AlertStore {
    /** Held (per transaction) by the evaluator that evaluates now; others skip their turn. */
    private static final long EVALUATION_LOCK = 0x616c657274L;

    private final AlertDatabase db;

    public AlertStore(AlertDatabase db) {
        this.db = requireNonNull(db, "db is null");
    }

    /**
     * Moves each rule's alerts by what one evaluation observed, writing history and notifications (one per
     * channel; held back as {@code silenced} while a silence covers the alert). Alerts of a rule whose group
     * the evaluation no longer saw are treated as no longer breaching. Rules missing from {@code observed}
     * (their query failed) stay as they are. Returns false, changing nothing, while another evaluator
     * holds the evaluation lock.
     */
    public boolean record(Map<AlertRule, List<Observation>> observed, Instant now, List<String> channels) {
        return db.inTransaction(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                lock.setLong(1, EVALUATION_LOCK);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return false;
                    }
                }
            }
            List<Silence> silences = activeSilences(c, now);
            for (Map.Entry<AlertRule, List<Observation>> e : observed.entrySet()) {
                apply(c, e.getKey(), e.getValue(), now, channels, silences);
            }
            return true;
        });
    }

    private void apply(Connection c, AlertRule rule, List<Observation> observations, Instant now, List<String> channels,
                       List<Silence> silences) throws SQLException {
        Map<String, AlertState> current = new LinkedHashMap<>();
        for (AlertState s : query(c, "SELECT * FROM alert_states WHERE rule = ?", List.of(rule.name()), AlertStore::state)) {
            current.put(s.group(), s);
        }
        Map<String, Observation> byGroup = new LinkedHashMap<>();
        observations.forEach(o -> byGroup.put(o.group(), o));
        for (AlertState s : current.values()) {
            if (!s.state().equals(AlertStateMachine.RESOLVED) && !byGroup.containsKey(s.group())) {
                byGroup.put(s.group(), new Observation(s.group(), 0, false, "No longer seen in the last "
                        + rule.window().toMinutes() + " min (" + rule.name() + ")"));
            }
        }
        for (Observation o : byGroup.values()) {
            AlertState s = current.get(o.group());
            Optional<AlertStateMachine.Move> move = AlertStateMachine.next(Optional.ofNullable(s).map(AlertState::state),
                    s == null ? now : s.since(), o.breaching(), rule.pendingFor(), now);
            if (move.isEmpty()) {
                if (s != null && !s.state().equals(AlertStateMachine.RESOLVED)) {
                    update(c, "UPDATE alert_states SET value = ?, summary = ?, evaluated_at = ? WHERE rule = ? AND group_key = ?",
                            o.value(), o.summary(), ts(now), rule.name(), o.group());
                }
                continue;
            }
            AlertStateMachine.Move m = move.get();
            boolean newFiring = m.state().equals(AlertStateMachine.FIRING);
            update(c, """
                    INSERT INTO alert_states (rule, group_key, state, since, value, summary, evaluated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (rule, group_key) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since,
                        value = EXCLUDED.value, summary = EXCLUDED.summary, evaluated_at = EXCLUDED.evaluated_at""",
                    rule.name(), o.group(), m.state(), ts(m.since()), o.value(), o.summary(), ts(now));
            if (newFiring) {
                // A new firing needs a new acknowledgement.
                update(c, "UPDATE alert_states SET acknowledged_by = NULL, acknowledged_at = NULL WHERE rule = ? AND group_key = ?",
                        rule.name(), o.group());
            }
            long historyId;
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO alert_history (rule, group_key, state, at, value, summary) VALUES (?, ?, ?, ?, ?, ?)
                    RETURNING id""")) {
                bind(insert, rule.name(), o.group(), m.state(), ts(now), o.value(), o.summary());
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    historyId = rs.getLong(1);
                }
            }
            if (!m.announced()) {
                continue;
            }
            boolean silenced = silences.stream().anyMatch(x -> x.covers(rule.name(), o.group(), now));
            for (String channel : channels) {
                UUID id = UUID.randomUUID();
                ObjectNode payload = Json.mapper().createObjectNode();
                payload.put("notification_id", id.toString());
                payload.put("rule", rule.name());
                payload.put("kind", rule.kind().configName());
                payload.put("description", rule.describe());
                payload.put("group", o.group());
                payload.put("state", m.state());
                payload.put("value", o.value());
                payload.put("threshold", rule.threshold());
                payload.put("summary", o.summary());
                payload.put("at", now.toString());
                if (!newFiring && s != null) {
                    payload.put("firing_since", s.since().toString());
                }
                update(c, """
                        INSERT INTO notifications (id, history_id, channel, status, payload, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)""",
                        id, historyId, channel, silenced ? "silenced" : "pending", payload.toString(), ts(now));
            }
        }
    }

    /**
     * Hands each pending notification to {@code send} (which answers an error message, or empty when
     * delivered) and records the outcome. Notifications still undelivered {@code giveUpAfter} after they
     * were written are marked failed.
     */
    public int deliver(Function<PendingNotification, Optional<String>> send, Instant now, Duration giveUpAfter) {
        List<UUID> tried = new ArrayList<>();
        int sent = 0;
        while (true) {
            // One notification per transaction, locked while it is sent: another evaluator skips it, and
            // its outcome is kept before the next one is sent.
            Optional<Boolean> delivered = db.inTransaction(c -> {
                List<PendingNotification> next = query(c, """
                        SELECT id, channel, payload, attempts, created_at FROM notifications
                        WHERE status = 'pending' AND NOT (id = ANY (?))
                        ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED""",
                        List.of(c.createArrayOf("uuid", tried.toArray())),
                        rs -> new PendingNotification(rs.getObject("id", UUID.class), rs.getString("channel"),
                                rs.getString("payload"), rs.getInt("attempts"), instant(rs, "created_at")));
                if (next.isEmpty()) {
                    return Optional.empty();
                }
                PendingNotification n = next.get(0);
                tried.add(n.id());
                Optional<String> error = send.apply(n);
                if (error.isEmpty()) {
                    update(c, "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = ? WHERE id = ?",
                            ts(now), n.id());
                    return Optional.of(true);
                }
                boolean giveUp = n.createdAt().plus(giveUpAfter).isBefore(now);
                update(c, "UPDATE notifications SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                        giveUp ? "failed" : "pending", error.get(), n.id());
                return Optional.of(false);
            });
            if (delivered.isEmpty()) {
                return sent;
            }
            if (delivered.get()) {
                sent++;
            }
        }
    }

    public List<AlertState> states() {
        return db.inTransaction(c -> query(c, "SELECT * FROM alert_states ORDER BY rule, group_key", List.of(), AlertStore::state));
    }

    public List<HistoryEntry> history(Optional<String> rule, int limit) {
        return db.inTransaction(c -> query(c, "SELECT * FROM alert_history"
                        + (rule.isPresent() ? " WHERE rule = ?" : "") + " ORDER BY id DESC LIMIT " + Math.max(1, limit),
                rule.<List<Object>>map(List::of).orElse(List.of()),
                rs -> new HistoryEntry(rs.getLong("id"), rs.getString("rule"), rs.getString("group_key"),
                        rs.getString("state"), instant(rs, "at"), value(rs), rs.getString("summary"))));
    }

    /** Notifications by status ({@code pending}, {@code sent}, {@code silenced}, {@code failed}): for status pages. */
    public Map<String, Long> notificationCounts() {
        return db.inTransaction(c -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String status : List.of("pending", "sent", "silenced", "failed")) {
                counts.put(status, 0L);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT status, count(*) FROM notifications GROUP BY status");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            return counts;
        });
    }

    public List<Silence> activeSilences(Instant now) {
        return db.inTransaction(c -> activeSilences(c, now));
    }

    private List<Silence> activeSilences(Connection c, Instant now) throws SQLException {
        return query(c, "SELECT * FROM silences WHERE until > ? ORDER BY until", List.of(ts(now)),
                rs -> new Silence(rs.getLong("id"), rs.getString("rule"), rs.getString("group_key"), instant(rs, "until"),
                        rs.getString("created_by"), rs.getString("reason"), instant(rs, "created_at")));
    }

    /** Holds back notifications of {@code rule} ({@code group}, or {@code *} for all) until {@code until}. */
    public Silence silence(String rule, String group, Instant until, String by, String reason, Instant now) {
        requireNonNull(rule, "rule is null");
        if (!until.isAfter(now)) {
            throw new IllegalArgumentException("Invalid silence end " + until + ": expected a time after " + now);
        }
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO silences (rule, group_key, until, created_by, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    RETURNING id""")) {
                bind(ps, rule, group, ts(until), by, reason, ts(now));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Silence(rs.getLong(1), rule, group, until, by, reason, now);
                }
            }
        });
    }

    /** Marks a pending or firing alert as seen by {@code by}; false when there is no such alert. */
    public boolean acknowledge(String rule, String group, String by, Instant now) {
        return db.inTransaction(c -> update(c, """
                UPDATE alert_states SET acknowledged_by = ?, acknowledged_at = ?
                WHERE rule = ? AND group_key = ? AND state <> 'resolved'""", by, ts(now), rule, group) == 1);
    }

    private static AlertState state(ResultSet rs) throws SQLException {
        return new AlertState(rs.getString("rule"), rs.getString("group_key"), rs.getString("state"), instant(rs, "since"),
                value(rs), rs.getString("summary"), instant(rs, "evaluated_at"), rs.getString("acknowledged_by"),
                instant(rs, "acknowledged_at"));
    }

    private static Double value(ResultSet rs) throws SQLException {
        double v = rs.getDouble("value");
        return rs.wasNull() ? null : v;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private static <T> List<T> query(Connection c, String sql, List<Object> args, Row<T> row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args.toArray());
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Double d && (d.isNaN() || d.isInfinite())) {
                ps.setNull(i + 1, Types.DOUBLE);
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }
}
