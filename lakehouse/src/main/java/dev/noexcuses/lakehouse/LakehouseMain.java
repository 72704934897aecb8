package dev.noexcuses.lakehouse;

import dev.noexcuses.lakehouse.jobs.QualityJob;
import dev.noexcuses.lakehouse.parallelism.Advice;
import dev.noexcuses.lakehouse.parallelism.AdviceReport;
import dev.noexcuses.lakehouse.parallelism.ClusterProbe;
import dev.noexcuses.lakehouse.parallelism.IcebergInputFiles;
import dev.noexcuses.lakehouse.parallelism.ParallelismAdvisor;
import dev.noexcuses.lakehouse.runs.RunHistory;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
        Arguments a;
        try {
            a = Arguments.parse(args);
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
                            ? AdviceReport.json(a.job(), advice) + "\n" : AdviceReport.text(a.job(), advice));
                    return 0;
                }
                settings = settings.withAdvice(advice.sparkConf());
                progress.line("Parallelism advised for %d input file(s), %,.1f MiB on %d core(s) (./platform spark advise "
                        + "explains it; explicit settings win): %s", advice.input().files().size(),
                        advice.input().totalBytes() / 1048576.0, advice.totalCores(), advice.sparkConf());
            } catch (RuntimeException e) {
                if (adviseOnly) {
                    System.err.println("Cannot advise on " + a.job() + ": " + e.getMessage());
                    return 1;
                }
                progress.line("No parallelism advice (%s): Spark's defaults and the explicit settings apply", e.getMessage());
            }
        }
        RunHistory history = new RunHistory(settings.catalogUri(), settings.catalogUser(), settings.catalogPassword());
        progress.line("Starting Spark (%s) ...", settings.master());
        SparkSession spark = sessions.open(settings, "lakehouse " + a.job());
        try (JobRunner runner = new JobRunner(spark, history, progress, QualityJob.Thresholds.defaults())) {
            return runner.run(a.job(), a.days()).exitCode();
        } catch (RuntimeException e) {
            System.err.println("Lakehouse job " + a.job() + " failed: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        } finally {
            sessions.release(spark);
        }
    }

    private static Advice advise(Arguments a, JobSettings settings) {
        try (IcebergInputFiles files = new IcebergInputFiles(settings)) {
            return new ParallelismAdvisor().advise(files.forJob(a.job(), a.days()), ClusterProbe.probe(settings.master(),
                    a.value("master-ui", ""), Integer.parseInt(a.value("executors", "0")),
                    Integer.parseInt(a.value("executor-cores", "0"))));
        }
    }

    /** {@code JOB --key value ...}; {@code --conf} repeats. */
    public record Arguments(String job, Map<String, String> values, List<String> confs) {
        public static Arguments parse(String[] args) {
            if (args.length == 0 || args[0].startsWith("--")) {
                throw new IllegalArgumentException("Missing the job: quality, curate, sessions, model or all");
            }
            Map<String, String> values = new HashMap<>();
            List<String> confs = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("Invalid argument: " + args[i] + ", expected --name value");
                }
                String name = args[i].substring(2);
                String value = args[++i];
                if (name.equals("conf")) {
                    confs.add(value);
                } else {
                    values.put(name, value);
                }
            }
            return new Arguments(args[0], values, confs);
        }

        /** The lake and Spark settings given as arguments, the secrets from {@code env}. */
        public JobSettings settings(Map<String, String> env) {
            return new JobSettings(value("catalog-name", "lake"), required("catalog-uri"),
                    value("catalog-user", "noexcuses"), env.getOrDefault(JobSettings.CATALOG_PASSWORD_ENV, ""),
                    required("warehouse"), value("s3-endpoint", ""), value("s3-region", "us-east-1"),
                    env.getOrDefault(JobSettings.S3_ACCESS_KEY_ENV, ""), env.getOrDefault(JobSettings.S3_SECRET_KEY_ENV, ""),
                    Boolean.parseBoolean(value("s3-path-style", "true")), value("master", "local[*]"),
                    Integer.parseInt(value("ui-port", "4040")), Integer.parseInt(value("shuffle-partitions", "0")), conf());
        }

        public String value(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        public String required(String name) {
            String v = values.get(name);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("Missing --" + name);
            }
            return v;
        }

        Map<String, String> conf() {
            Map<String, String> conf = new LinkedHashMap<>();
            for (String c : confs) {
                int eq = c.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("Invalid --conf " + c + ", expected key=value");
                }
                conf.put(c.substring(0, eq), c.substring(eq + 1));
            }
            return conf;
        }

        List<LocalDate> days() {
            try {
                if (values.containsKey("date")) {
                    return List.of(LocalDate.parse(values.get("date")));
                }
                LocalDate from = LocalDate.parse(required("from"));
                LocalDate to = LocalDate.parse(required("to"));
                if (to.isBefore(from)) {
                    throw new IllegalArgumentException("Invalid range: --to " + to + " is before --from " + from);
                }
                List<LocalDate> days = new ArrayList<>();
                for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                    days.add(d);
                }
                return days;
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("Invalid date: " + e.getParsedString() + ", expected YYYY-MM-DD");
            }
        }
    }
}
