package dev.noexcuses.lakehouse.host;

import dev.noexcuses.lakehouse.JobArguments;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of the job host JVM, started by {@code ./platform up}: {@code host} with the lake's and
 * Spark's settings as a job gets them ({@code --catalog-uri}, {@code --warehouse}, {@code --master},
 * {@code --conf k=v} ...; secrets from the environment), and {@code --port P} (0: any free port),
 * {@code --state-file F} (written when it is ready: where it listens and its token, readable by its owner
 * only), {@code --mains A,B} (the entry points it runs), {@code --parent-pid N} (it stops when that process
 * is gone). Its token comes from {@value JobHost#TOKEN_ENV}.
 */
public final class JobHostMain {
    private JobHostMain() {}

    public static void main(String[] args) throws Exception {
        JobArguments a;
        try {
            a = JobArguments.parse(args, List.of("host"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        JobOutput output = JobOutput.install();
        JobSettings settings = a.settings(System.getenv());
        Path stateFile = Path.of(a.required("state-file"));
        Set<String> mains = Arrays.stream(a.required("mains").split(",")).map(String::trim)
                .filter(m -> !m.isEmpty()).collect(Collectors.toSet());
        long started = System.nanoTime();
        JobHost host = JobHost.listen(System.getenv(JobHost.TOKEN_ENV), mains, Integer.parseInt(a.value("port", "0")));
        SparkSession spark;
        try {
            spark = LakeSession.open(settings, "spark job host");
            // The first use of the catalog loads Iceberg and the JDBC driver: done now, not in the first job.
            spark.sql("SHOW NAMESPACES").collectAsList();
        } catch (RuntimeException e) {
            // The HTTP server's threads would keep a JVM that cannot run jobs alive.
            System.err.println("Spark job host cannot start Spark: " + e.getMessage());
            e.printStackTrace(System.err);
            host.close();
            System.exit(1);
            return;
        }
        host.serve(new SharedSession(spark, System.out), output);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            HostState.delete(stateFile);
            host.close();
            spark.stop();
            stopped.countDown();
        }, "spark-job-host-stop"));
        try {
            new HostState(host.url(), ProcessHandle.current().pid(), System.getenv(JobHost.TOKEN_ENV), settings.master())
                    .write(stateFile);
        } catch (IOException e) {
            System.err.println("Spark job host cannot write " + stateFile + ": " + e.getMessage());
            System.exit(1);
        }
        String ui = spark.sparkContext().uiWebUrl().isDefined() ? ", Spark UI " + spark.sparkContext().uiWebUrl().get() : "";
        System.out.printf("Spark job host ready on %s in %.1f s (%s%s), running %s%n", host.url(),
                (System.nanoTime() - started) / 1e9, spark.sparkContext().master(), ui, mains);
        long parent = Long.parseLong(a.value("parent-pid", "0"));
        while (parent > 0 && !stopped.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
            if (ProcessHandle.of(parent).map(p -> !p.isAlive()).orElse(true)) {
                System.out.println("Spark job host: the platform (process " + parent + ") is gone; stopping");
                System.exit(0);
            }
        }
        stopped.await();
    }
}
