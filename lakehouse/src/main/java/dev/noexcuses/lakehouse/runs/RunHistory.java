package dev.noexcuses.lakehouse.runs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The batch jobs' run history in PostgreSQL (table {@code batch_job_runs}, created by the platform's
 * migration V2): one row per job and day, read back to find days whose raw rows arrived after their
 * last build, and by the orchestrator.
 */
public final class RunHistory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String jdbcUrl;
    private final String user;
    private final String password;

    public RunHistory(String jdbcUrl, String user, String password) {
        this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl is null");
        this.user = requireNonNull(user, "user is null");
        this.password = requireNonNull(password, "password is null");
    }

    public void record(JobRun run) {
        String sql = "INSERT INTO batch_job_runs (run_id, job, partition_date, status, started_at, finished_at, "
                + "rows_in, rows_out, message, spark_ui, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)";
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, run.runId());
            s.setString(2, run.job());
            s.setObject(3, run.day());
            s.setString(4, run.status().name().toLowerCase());
            s.setTimestamp(5, Timestamp.from(run.startedAt()));
            s.setTimestamp(6, Timestamp.from(run.finishedAt()));
            s.setLong(7, run.rowsIn());
            s.setLong(8, run.rowsOut());
            s.setString(9, run.message());
            s.setString(10, run.sparkUi());
            s.setString(11, JSON.writeValueAsString(run.metrics()));
            s.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("Cannot record the run of " + run.job() + " for " + run.day()
                    + " in batch_job_runs at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /** When each day's last successful run of {@code job} started. */
    public Map<LocalDate, Instant> lastSucceeded(String job) {
        String sql = "SELECT partition_date, max(started_at) FROM batch_job_runs WHERE job = ? AND status = 'succeeded' "
                + "GROUP BY partition_date";
        Map<LocalDate, Instant> days = new HashMap<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, job);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    days.put(rs.getObject(1, LocalDate.class), rs.getTimestamp(2).toInstant());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read batch_job_runs at " + jdbcUrl + ": " + e.getMessage(), e);
        }
        return days;
    }

    /** The latest run of {@code job} for {@code day}, if any. */
    public Optional<JobRun> latest(String job, LocalDate day) {
        List<JobRun> runs = runs(job, List.of(day));
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
    }

    /** Runs of {@code job} for these days, newest first. */
    public List<JobRun> runs(String job, Collection<LocalDate> days) {
        String sql = "SELECT run_id, job, partition_date, status, started_at, finished_at, rows_in, rows_out, message, "
                + "spark_ui FROM batch_job_runs WHERE job = ? AND partition_date = ANY (?) ORDER BY started_at DESC, finished_at DESC";
        List<JobRun> runs = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, job);
            s.setArray(2, c.createArrayOf("date", days.stream().map(java.sql.Date::valueOf).toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    runs.add(new JobRun(rs.getString(1), rs.getString(2), rs.getObject(3, LocalDate.class),
                            JobRun.Status.valueOf(rs.getString(4).toUpperCase()), rs.getTimestamp(5).toInstant(),
                            rs.getTimestamp(6).toInstant(), rs.getLong(7), rs.getLong(8), rs.getString(9),
                            rs.getString(10), Map.of()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read batch_job_runs at " + jdbcUrl + ": " + e.getMessage(), e);
        }
        return runs;
    }

    /** A connection to the platform's PostgreSQL (the catalog's database), for jobs that mirror results there. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }
}
