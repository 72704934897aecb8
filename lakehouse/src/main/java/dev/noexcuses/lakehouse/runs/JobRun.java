package dev.noexcuses.lakehouse.runs;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

/** One job's run for one day, as kept in the run history ({@code batch_job_runs}). */
public record JobRun(
        String runId,
        String job,
        LocalDate day,
        Status status,
        Instant startedAt,
        Instant finishedAt,
        long rowsIn,
        long rowsOut,
        String message,
        String sparkUi,
        Map<String, Object> metrics) {

    public enum Status { SUCCEEDED, FAILED, SKIPPED }

    public JobRun {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
}
