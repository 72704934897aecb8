package dev.noexcuses.lakehouse.parallelism;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the advisor proposes for one job's input on one cluster: each setting with the rule it
 * follows and the numbers behind it, and whether to repartition after the read.
 */
public record Advice(
        InputLayout input,
        ClusterShape cluster,
        int executorCores,
        int executors,
        long splitBytes,
        int expectedReadPartitions,
        int defaultParallelism,
        int shufflePartitions,
        Optional<Integer> repartitionAfterRead,
        List<Proposal> proposals) {

    public Advice {
        proposals = List.copyOf(proposals);
    }

    /** One proposed value, the rule of thumb behind it and the numbers, in words. */
    public record Proposal(String setting, String value, String rule, String because) {}

    public int totalCores() {
        return executorCores * executors;
    }

    /**
     * The Spark settings that carry the advice. In local mode there are no executors to size: the job
     * JVM is the one executor. Iceberg reads are split by {@code spark.sql.iceberg.read.split-size},
     * Spark's own file sources by {@code spark.sql.files.maxPartitionBytes}: both get the same size.
     */
    public Map<String, String> sparkConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        if (cluster.kind() != ClusterShape.Kind.LOCAL) {
            conf.put("spark.executor.cores", String.valueOf(executorCores));
            conf.put("spark.executor.instances", String.valueOf(executors));
            conf.put("spark.cores.max", String.valueOf(totalCores()));
        }
        conf.put("spark.sql.files.maxPartitionBytes", String.valueOf(splitBytes));
        conf.put("spark.sql.iceberg.read.split-size", String.valueOf(splitBytes));
        // Otherwise Iceberg shrinks splits again towards max(default.parallelism, shuffle.partitions).
        conf.put("spark.sql.iceberg.read.adaptive-split-size.enabled", "false");
        conf.put("spark.default.parallelism", String.valueOf(defaultParallelism));
        conf.put("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
        return conf;
    }
}
