package dev.noexcuses.platform.jobs;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a lakehouse job in its own JVM with the lakehouse module's classpath only (Spark's
 * protobuf, Hadoop, Iceberg, AWS SDK and logging versions clash with the services'), passing the
 * settings as arguments and the secrets as environment variables. Output goes to this console.
 */
public final class SparkJobLauncher {
    static final String MAIN = "dev.noexcuses.lakehouse.LakehouseMain";
    /** What Spark 4 needs opened on JDK 17, and the S3 SDK settings that s3proxy and MinIO need. */
    public static final List<String> JVM_OPTIONS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseParallelGC", "-Duser.timezone=UTC",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Daws.requestChecksumCalculation=WHEN_REQUIRED", "-Daws.responseChecksumValidation=WHEN_REQUIRED");

    private final Config config;
    private final Path home;
    private final String module;
    private final String main;

    /** {@code config} has postgres.*, s3.*, lake.* and lakehouse.* resolved. */
    public SparkJobLauncher(Config config) {
        this(config, "lakehouse", MAIN);
    }

    /** A job of another Spark module, e.g. {@code feature-store}, run the same way with that module's classpath. */
    public SparkJobLauncher(Config config, String module, String main) {
        this.config = requireNonNull(config, "config is null");
        this.home = Path.of(config.getString("platform.home")).toAbsolutePath().normalize();
        this.module = requireNonNull(module, "module is null");
        this.main = requireNonNull(main, "main is null");
    }

    /** The job's command line; {@code days} is one day or a from/to range. */
    public List<String> command(String job, LocalDate from, LocalDate to) throws IOException {
        return command(job, from, to, List.of());
    }

    /** The job's command line with extra job arguments ({@code --advise-only true}, {@code --executors N} ...). */
    public List<String> command(String job, LocalDate from, LocalDate to, List<String> extra) throws IOException {
        Path target = home.resolve(module + "/target");
        Path jar = target.resolve(module + "-0.1.0-SNAPSHOT.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("The " + module + " jobs are not built at " + target
                    + ": run ./mvnw -pl " + module + " -am -DskipTests package (./platform does it when it builds)");
        }
        Config l = config.getConfig("lakehouse");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx" + l.getString("driver-memory")));
        cmd.addAll(JVM_OPTIONS);
        for (String option : l.getString("java-options").trim().split("\\s+")) {
            if (!option.isBlank()) {
                cmd.add(option);
            }
        }
        cmd.addAll(List.of("-cp", jar + File.pathSeparator + target.resolve("lib") + "/*", main, job));
        if (from.equals(to)) {
            cmd.addAll(List.of("--date", from.toString()));
        } else {
            cmd.addAll(List.of("--from", from.toString(), "--to", to.toString()));
        }
        String bucket = config.getString("s3.bucket");
        cmd.addAll(List.of(
                "--catalog-name", config.getString("lake.catalog-name"),
                "--catalog-uri", config.getString("postgres.jdbc-url"),
                "--catalog-user", config.getString("postgres.user"),
                "--warehouse", "s3://" + bucket + "/" + config.getString("lake.warehouse-path"),
                "--s3-endpoint", config.getString("s3.endpoint"),
                "--s3-region", config.getString("s3.region"),
                "--s3-path-style", String.valueOf(config.getBoolean("s3.path-style-access")),
                "--master", l.getString("master"),
                "--ui-port", String.valueOf(l.getInt("ui-port")),
                "--parallelism", l.getString("parallelism")));
        if (l.hasPath("shuffle-partitions")) {
            cmd.addAll(List.of("--shuffle-partitions", String.valueOf(l.getInt("shuffle-partitions"))));
        }
        String masterUi = SparkStandaloneCluster.masterUi(config);
        if (!masterUi.isBlank()) {
            cmd.addAll(List.of("--master-ui", masterUi));
        }
        for (Map.Entry<String, ConfigValue> e : l.getConfig("spark-conf").entrySet()) {
            cmd.addAll(List.of("--conf", e.getKey().replace("\"", "") + "=" + e.getValue().unwrapped()));
        }
        cmd.addAll(extra);
        return cmd;
    }

    /** Runs the job to its end, its output on this console; returns its exit code. */
    public int run(String job, LocalDate from, LocalDate to) throws IOException, InterruptedException {
        return run(job, from, to, List.of());
    }

    /** Runs the job JVM with extra job arguments to its end, its output on this console; returns its exit code. */
    public int run(String job, LocalDate from, LocalDate to, List<String> extra) throws IOException, InterruptedException {
        return run(job, from, to, extra, Map.of());
    }

    /** The same, with more environment variables for the job (secrets it needs beyond the lake's). */
    public int run(String job, LocalDate from, LocalDate to, List<String> extra, Map<String, String> secrets)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(job, from, to, extra)).inheritIO();
        Map<String, String> env = pb.environment();
        env.putAll(secrets);
        env.put("LAKEHOUSE_CATALOG_PASSWORD", config.getString("postgres.password"));
        env.put("LAKEHOUSE_S3_ACCESS_KEY", config.getString("s3.access-key"));
        env.put("LAKEHOUSE_S3_SECRET_KEY", config.getString("s3.secret-key"));
        Process process = pb.start();
        Thread stop = new Thread(process::destroy, module + "-job-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            return process.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it stops the job.
            }
        }
    }
}
