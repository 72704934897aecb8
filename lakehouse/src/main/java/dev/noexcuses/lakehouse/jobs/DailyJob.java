package dev.noexcuses.lakehouse.jobs;

import dev.noexcuses.lakehouse.Progress;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * A job that builds a set of days in one Spark pass; each day's output replaces that day's partition,
 * so running it again for the same days gives the same tables.
 */
public interface DailyJob {
    String name();

    DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress);
}
