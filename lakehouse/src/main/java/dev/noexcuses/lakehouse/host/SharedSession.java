package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSessions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalog.Table;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The job host's one session, lent to one job at a time. A job's settings that Spark can change at run
 * time (shuffle partitions, split sizes, adaptive execution ...) apply to that job; the ones fixed when
 * the session started (master, executors, memory, the catalog) keep the host's values, and the job says
 * which. When the job gives the session back, its settings, temporary views and cached data are undone.
 */
final class SharedSession implements LakeSessions {
    private final SparkSession spark;
    private final PrintStream notes;
    private Map<String, String> before = Map.of();

    /** {@code notes}: where a job's notices go (the job's own output while it runs). */
    SharedSession(SparkSession spark, PrintStream notes) {
        this.spark = requireNonNull(spark, "spark is null");
        this.notes = requireNonNull(notes, "notes is null");
    }

    SparkSession spark() {
        return spark;
    }

    @Override
    public synchronized SparkSession open(JobSettings settings, String appName) {
        // Code that reads SQLConf.get (Iceberg's Spark3Util, the catalog manager) sees the job thread's active
        // session: without one, Spark's defaults (another default catalog) apply.
        SparkSession.setActiveSession(spark);
        before = settingsNow();
        List<String> kept = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.sparkConfiguration().entrySet()) {
            String key = e.getKey();
            if (e.getValue().equals(spark.conf().get(key, null))) {
                continue;
            }
            if (key.startsWith("spark.sql.catalog.")) {
                // Spark set the catalog up with the host's settings, when it was first used.
                kept.add(key);
                continue;
            }
            try {
                spark.conf().set(key, e.getValue());
            } catch (Exception fixedAtStart) {
                // Spark refuses (AnalysisException, thrown undeclared from Scala) what is fixed at its start.
                kept.add(key);
            }
        }
        if (!kept.isEmpty()) {
            // Names only: catalog settings hold passwords.
            notes.printf("Spark job host: %d setting(s) fixed when the host started keep the host's values: %s "
                    + "(restart the platform to change them, or set lakehouse.job-host.enabled = false)%n",
                    kept.size(), String.join(", ", kept));
        }
        return spark;
    }

    @Override
    public synchronized void release(SparkSession session) {
        if (session != spark) {
            throw new IllegalArgumentException("Not the job host's session: " + session);
        }
        spark.catalog().clearCache();
        dropTemporaryViews();
        Map<String, String> now = settingsNow();
        for (Map.Entry<String, String> e : now.entrySet()) {
            String previous = before.get(e.getKey());
            try {
                if (previous == null) {
                    spark.conf().unset(e.getKey());
                } else if (!previous.equals(e.getValue())) {
                    spark.conf().set(e.getKey(), previous);
                }
            } catch (Exception fixed) {
                // A setting Spark does not let change at run time cannot have been changed by the job either.
            }
        }
        before = Map.of();
    }

    private void dropTemporaryViews() {
        try {
            // Temporary views are listed with any namespace; the lake's catalog may have no current one.
            for (Table t : spark.catalog().listTables("spark_catalog.default").collectAsList()) {
                if (t.isTemporary()) {
                    spark.catalog().dropTempView(t.name());
                }
            }
        } catch (AnalysisException e) {
            notes.println("Spark job host: cannot list the job's temporary views to drop them: " + e.getMessage());
        }
    }

    private Map<String, String> settingsNow() {
        return new HashMap<>(CollectionConverters.asJava(spark.conf().getAll()));
    }
}
