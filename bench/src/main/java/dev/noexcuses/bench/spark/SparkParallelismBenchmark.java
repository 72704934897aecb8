package dev.noexcuses.bench.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noexcuses.bench.Rounds;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import dev.noexcuses.platform.jobs.SparkStandaloneCluster;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Spark parallelism: the same rows as four file layouts (many small files, few large, one huge, skewed),
 * one job run with Spark's defaults and with the advisor's settings, alternating, in local mode and on
 * a standalone cluster (a master and two 1-core workers started here from the same jars). Prints each
 * run and a table of medians with their spread: wall time, idle core share, read tasks and their spread.
 * Usage: {@code bench/run spark-parallelism [rows] [rounds]}; ports with
 * {@code -Dbench.spark.master-port=7177 -Dbench.spark.master-ui-port=8191} in BENCH_JAVA_OPTS.
 */
public final class SparkParallelismBenchmark {
    private SparkParallelismBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0].replace("_", "")) : 2_000_000L;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path root = Path.of(System.getProperty("platform.home", ".")).toAbsolutePath().normalize();
        Path lakehouse = root.resolve("lakehouse/target");
        Path dir = root.resolve("bench/target/spark-parallelism");
        Files.createDirectories(dir);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("Spark parallelism benchmark: %,d rows, %d round(s) of defaults/advised per layout, %d cores here, "
                + "in %s%n", rows, rounds, cores, dir);

        List<JsonNode> results = new ArrayList<>(run(lakehouse, "local", "local[*]", "", dir, rows, rounds, true));
        SparkStandaloneCluster.Settings settings = new SparkStandaloneCluster.Settings("127.0.0.1",
                Integer.getInteger("bench.spark.master-port", 7177), Integer.getInteger("bench.spark.master-ui-port", 8191),
                2, 1, "1g", "256m");
        try (SparkStandaloneCluster cluster = SparkStandaloneCluster.start(settings, lakehouse, dir, System.out)) {
            // Ctrl-C stops the cluster's processes too.
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "spark-cluster-stop"));
            results.addAll(run(lakehouse, "cluster", settings.masterUrl(), settings.masterUiUrl(), dir, rows, rounds, false));
        }
        summarise(results);
    }

    private static List<JsonNode> run(Path lakehouse, String mode, String master, String masterUi, Path dir, long rows,
                                      int rounds, boolean prepare) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx2g"));
        cmd.addAll(SparkJobLauncher.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", lakehouse.resolve("lakehouse-0.1.0-SNAPSHOT.jar") + File.pathSeparator
                        + lakehouse.resolve("lib") + "/*", "dev.noexcuses.lakehouse.bench.ParallelismBenchmarkRun",
                mode, master, masterUi.isEmpty() ? "-" : masterUi, dir.toString(), String.valueOf(rows),
                String.valueOf(rounds), String.valueOf(prepare)));
        System.out.printf("%n== %s (%s)%s ==%n", mode, master, prepare ? ", writing the layouts first" : "");
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(mode + ".log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "spark-run-stop"));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> results = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("RESULT ")) {
                    JsonNode r = json.readTree(line.substring(7));
                    results.add(r);
                    System.out.printf("  %-10s %-14s round %d: %,7d ms, idle cores %3.0f%%, read %3d tasks (max %,d ms, "
                                    + "median %,d ms), shuffle partitions %s%n", r.path("layout").asText(),
                            r.path("settings").asText(), r.path("round").asInt(), r.path("wall_ms").asLong(),
                            r.path("idle_core_share").asDouble() * 100, r.path("read_tasks").asInt(),
                            r.path("read_max_task_ms").asLong(), r.path("read_median_task_ms").asLong(),
                            r.path("shuffle_partitions").asText());
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("The " + mode + " run exited with " + exit + ": see " + dir.resolve(mode + ".log"));
        }
        return results;
    }

    private static void summarise(List<JsonNode> results) {
        System.out.printf("%n| mode | layout | files | settings | wall median (min–max) | advised / defaults | idle cores | "
                + "read tasks | read task max / median |%n|---|---|---|---|---|---|---|---|---|%n");
        Map<String, List<JsonNode>> groups = results.stream().collect(Collectors.groupingBy(
                r -> r.path("mode").asText() + "|" + r.path("layout").asText() + "|" + r.path("settings").asText(),
                TreeMap::new, Collectors.toList()));
        for (Map.Entry<String, List<JsonNode>> g : groups.entrySet()) {
            String[] k = g.getKey().split("\\|");
            List<JsonNode> runs = g.getValue();
            double wall = median(runs, "wall_ms");
            String ratio = "";
            if (k[2].equals("advised")) {
                List<JsonNode> base = groups.get(k[0] + "|" + k[1] + "|spark-defaults");
                ratio = base == null ? "" : String.format("%.2f", wall / median(base, "wall_ms"));
            }
            System.out.printf("| %s | %s | %d | %s | %,.0f ms (%,.0f–%,.0f) | %s | %.0f%% | %.0f | %,.0f / %,.0f ms |%n",
                    k[0], k[1], runs.get(0).path("files").asInt(), k[2], wall, min(runs, "wall_ms"), max(runs, "wall_ms"), ratio,
                    median(runs, "idle_core_share") * 100, median(runs, "read_tasks"), median(runs, "read_max_task_ms"),
                    median(runs, "read_median_task_ms"));
        }
    }

    private static double median(List<JsonNode> runs, String field) {
        return Rounds.median(runs.stream().mapToDouble(r -> r.path(field).asDouble()).toArray());
    }

    private static double min(List<JsonNode> runs, String field) {
        return runs.stream().mapToDouble(r -> r.path(field).asDouble()).min().orElse(0);
    }

    private static double max(List<JsonNode> runs, String field) {
        return runs.stream().mapToDouble(r -> r.path(field).asDouble()).max().orElse(0);
    }
}
