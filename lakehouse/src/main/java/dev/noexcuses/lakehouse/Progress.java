package dev.noexcuses.lakehouse;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/** Progress lines a person reads while a job runs: job, stage, rows, time. */
public final class Progress {
    private final PrintStream out;

    public Progress(PrintStream out) {
        this.out = out;
    }

    public void line(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }

    /** {@code [curate] deduplicated       12,345 rows  1.2 s} */
    public void stage(String job, String stage, long rows, Instant since) {
        line("  [%s] %-34s %,12d rows %7.1f s", job, stage, rows, Duration.between(since, Instant.now()).toMillis() / 1000.0);
    }

    /** A stage that wrote several tables: their rows are counted once, in the job's closing line. */
    public void stage(String job, String stage, Instant since) {
        line("  [%s] %-34s %17s %7.1f s", job, stage, "", Duration.between(since, Instant.now()).toMillis() / 1000.0);
    }
}
