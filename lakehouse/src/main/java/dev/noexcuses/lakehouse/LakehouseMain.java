package dev.noexcuses.lakehouse;

import dev.noexcuses.lakehouse.jobs.QualityJob;
import dev.noexcuses.lakehouse.parallelism.Advice;
import dev.noexcuses.lakehouse.parallelism.AdviceReport;
import dev.noexcuses.lakehouse.parallelism.ClusterProbe;
import dev.noexcuses.lakehouse.parallelism.IcebergInputFiles;
import dev.noexcuses.lakehouse.parallelism.ParallelismAdvisor;
import dev.noexcuses.lakehouse.runs.RunHistory;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of a job JVM, started by {@code ./platform lakehouse run}: {@code JOB|all} with
 * {@code --date D} or {@code --from D1 --to D2}, where the lake is ({@code --catalog-uri},
 * {@code --warehouse}, {@code --s3-*}) and Spark's settings ({@code --master}, {@code --conf k=v}).
 * Passwords and keys come from the environment ({@link JobSettings#CATALOG_PASSWORD_ENV} ...).
 * Exit codes: 0 done, 1 a job failed, 2 wrong arguments, 3 a day failed its quality checks.
 */
public final class LakehouseMain {
    /** The jobs, {@code all} of them in order, and the experiments job, run on its own. */
    private static final List<String> COMMANDS = List.of("quality", "curate", "sessions", "model", "all", "experiments");

    private LakehouseMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    /** Runs the job to its end in a Spark session of its own; returns the exit code. */
    public static int run(String[] args, Map<String, String> env) {
        return run(args, env, LakeSessions.OWN);
    }

    /** Runs the job on a session from {@code sessions} (the job host lends its own); returns the exit code. */
    public static int run(String[] args, Map<String, String> env, LakeSessions sessions) {
        JobArguments a;
        try {
            a = JobArguments.parse(args, COMMANDS);
            if (!List.of("advised", "spark-defaults").contains(a.value("parallelism", "advised"))) {
                throw new IllegalArgumentException("Invalid --parallelism " + a.value("parallelism", "")
                        + ", expected advised or spark-defaults");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: LakehouseMain quality|curate|sessions|model|all|experiments (--date D | --from D1 --to D2) "
                    + "--catalog-uri jdbc:postgresql://... --catalog-user U --warehouse s3://bucket/folder "
                    + "[--catalog-name lake] [--s3-endpoint URL] [--s3-region R] [--s3-path-style true] "
                    + "[--master local[*]] [--ui-port 4040|-1] [--shuffle-partitions N] [--conf key=value]... "
                    + "[--parallelism advised|spark-defaults] [--advise-only true [--json true]] "
                    + "[--executors N --executor-cores C] [--master-ui http://host:8080]");
            return 2;
        }
        JobSettings settings = a.settings(env);
        Progress progress = new Progress(System.out);
        boolean adviseOnly = Boolean.parseBoolean(a.value("advise-only", "false"));
        if (adviseOnly || a.value("parallelism", "advised").equals("advised")) {
            try {
                Advice advice = advise(a, settings);
                if (adviseOnly) {
                    System.out.print(Boolean.parseBoolean(a.value("json", "false"))
                            ? AdviceReport.json(a.command(), advice) + "\n" : AdviceReport.text(a.command(), advice));
                    return 0;
                }
                settings = settings.withAdvice(advice.sparkConf());
                progress.line("Parallelism advised for %d input file(s), %,.1f MiB on %d core(s) (./platform spark advise "
                        + "explains it; explicit settings win): %s", advice.input().files().size(),
                        advice.input().totalBytes() / 1048576.0, advice.totalCores(), advice.sparkConf());
            } catch (RuntimeException e) {
                if (adviseOnly) {
                    System.err.println("Cannot advise on " + a.command() + ": " + e.getMessage());
                    return 1;
                }
                progress.line("No parallelism advice (%s): Spark's defaults and the explicit settings apply", e.getMessage());
            }
        }
        RunHistory history = new RunHistory(settings.catalogUri(), settings.catalogUser(), settings.catalogPassword());
        progress.line("Starting Spark (%s) ...", settings.master());
        SparkSession spark = sessions.open(settings, "lakehouse " + a.command());
        try (JobRunner runner = new JobRunner(spark, history, progress, QualityJob.Thresholds.defaults())) {
            return runner.run(a.command(), a.days()).exitCode();
        } catch (RuntimeException e) {
            System.err.println("Lakehouse job " + a.command() + " failed: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        } finally {
            sessions.release(spark);
        }
    }

    private static Advice advise(JobArguments a, JobSettings settings) {
        try (IcebergInputFiles files = new IcebergInputFiles(settings)) {
            return new ParallelismAdvisor().advise(files.forJob(a.command(), a.days()), ClusterProbe.probe(settings.master(),
                    a.value("master-ui", ""), Integer.parseInt(a.value("executors", "0")),
                    Integer.parseInt(a.value("executor-cores", "0"))));
        }
    }
}
