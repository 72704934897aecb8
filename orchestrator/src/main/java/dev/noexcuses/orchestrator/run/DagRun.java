package dev.noexcuses.orchestrator.run;

import java.time.Instant;
import java.time.LocalDate;

/** One run of a DAG over one data interval, as the run history holds it. */
public record DagRun(long runId, String dagId, LocalDate date, Instant logicalDate, Instant intervalEnd,
                     String runType, String state, String reason, Instant createdAt, Instant startedAt,
                     Instant endedAt) {
    public boolean finished() {
        return state.equals("success") || state.equals("failed");
    }
}
