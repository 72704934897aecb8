package dev.noexcuses.platform.jobs;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.host.JobHostClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a Spark job (lakehouse, features, ML) on the platform's Spark job host when one runs, else in a
 * JVM of its own with its module's classpath only (Spark's protobuf, Hadoop, Iceberg, AWS SDK and logging
 * versions clash with the services'), passing the settings as arguments and the secrets as environment
 * variables. Output goes to this console.
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
        List<String> cmd = new ArrayList<>(jvm(main, config.getString("lakehouse.driver-memory")));
        cmd.addAll(jobArguments(job, from, to, extra));
        return cmd;
    }

    /**
     * The command line of the Spark job host ({@code hostMain}) with this module's classpath, running
     * {@code mains}, listening on {@code port}, writing {@code stateFile} when ready, and stopping when
     * the process {@code parentPid} is gone; its secrets are {@link #lakeSecrets()} and its token.
     */
    public List<String> hostCommand(String hostMain, int port, Path stateFile, long parentPid, List<String> mains) {
        List<String> cmd = new ArrayList<>(jvm(hostMain, config.getString("lakehouse.job-host.memory")));
        // Out of memory, the host exits: the next jobs then run in JVMs of their own (a host alive but broken
        // would fail them all).
        cmd.add(cmd.indexOf("-cp"), "-XX:+ExitOnOutOfMemoryError");
        cmd.add("host");
        cmd.addAll(lakeArguments());
        cmd.addAll(List.of("--port", String.valueOf(port), "--state-file", stateFile.toString(),
                "--parent-pid", String.valueOf(parentPid), "--mains", String.join(",", mains)));
        return cmd;
    }

    /** A JVM with this module's classpath, the jobs' options and {@code heap}, running {@code mainClass}. */
    private List<String> jvm(String mainClass, String heap) {
        Path target = home.resolve(module + "/target");
        Path jar = target.resolve(module + "-0.1.0-SNAPSHOT.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("The " + module + " jobs are not built at " + target
                    + ": run ./mvnw -pl " + module + " -am -DskipTests package (./platform does it when it builds)");
        }
        Config l = config.getConfig("lakehouse");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx" + heap));
        cmd.addAll(JVM_OPTIONS);
        for (String option : l.getString("java-options").trim().split("\\s+")) {
            if (!option.isBlank()) {
                cmd.add(option);
            }
        }
        cmd.addAll(List.of("-cp", jar + File.pathSeparator + target.resolve("lib") + "/*", mainClass));
        return cmd;
    }

    /** What the job's entry point is given: the job, its days, the lake and Spark settings, {@code extra}. */
    List<String> jobArguments(String job, LocalDate from, LocalDate to, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(job));
        if (from.equals(to)) {
            args.addAll(List.of("--date", from.toString()));
        } else {
            args.addAll(List.of("--from", from.toString(), "--to", to.toString()));
        }
        args.addAll(lakeArguments());
        args.addAll(extra);
        return args;
    }

    /** Where the lake is and Spark's settings, as every entry point (jobs and the job host) takes them. */
    List<String> lakeArguments() {
        Config l = config.getConfig("lakehouse");
        List<String> cmd = new ArrayList<>();
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
        return cmd;
    }

    /** The lake's secrets, as the entry points read them from their environment. */
    public Map<String, String> lakeSecrets() {
        return Map.of(
                JobSettings.CATALOG_PASSWORD_ENV, config.getString("postgres.password"),
                JobSettings.S3_ACCESS_KEY_ENV, config.getString("s3.access-key"),
                JobSettings.S3_SECRET_KEY_ENV, config.getString("s3.secret-key"));
    }

    /** Runs the job to its end, its output on this console; returns its exit code. */
    public int run(String job, LocalDate from, LocalDate to) throws IOException, InterruptedException {
        return run(job, from, to, List.of());
    }

    /** Runs the job JVM with extra job arguments to its end, its output on this console; returns its exit code. */
    public int run(String job, LocalDate from, LocalDate to, List<String> extra) throws IOException, InterruptedException {
        return run(job, from, to, extra, Map.of());
    }

    /**
     * The same, with more environment variables for the job (secrets it needs beyond the lake's). The job
     * runs on the platform's Spark job host when one is running for the same master (a warm session, no
     * JVM to start), else in a JVM of its own.
     */
    public int run(String job, LocalDate from, LocalDate to, List<String> extra, Map<String, String> secrets)
            throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(secrets);
        env.putAll(lakeSecrets());
        Optional<JobHostClient> host = jobHost();
        if (host.isPresent()) {
            try {
                System.out.println("Running on the Spark job host at " + host.get().url()
                        + " (its warm Spark session; its log: logs/spark-job-host.log in the data directory)");
                return host.get().run(main, jobArguments(job, from, to, extra), env, System.out, System.err);
            } catch (JobHostClient.NotTaken e) {
                System.err.println("Running the job in a JVM of its own: " + e.getMessage());
            }
        }
        ProcessBuilder pb = new ProcessBuilder(command(job, from, to, extra)).inheritIO();
        pb.environment().putAll(env);
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

    /** The platform's job host, when enabled, running, and on this job's master. */
    private Optional<JobHostClient> jobHost() {
        Config l = config.getConfig("lakehouse");
        if (!l.getBoolean("job-host.enabled") || !config.hasPath("platform.data-dir")) {
            return Optional.empty();
        }
        return JobHostClient.find(Path.of(config.getString("platform.data-dir")))
                .filter(h -> h.master().equals(l.getString("master")));
    }
}
