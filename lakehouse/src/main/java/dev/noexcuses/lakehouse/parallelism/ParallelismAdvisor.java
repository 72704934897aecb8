package dev.noexcuses.lakehouse.parallelism;

import dev.noexcuses.lakehouse.parallelism.Advice.Proposal;
import dev.noexcuses.lakehouse.parallelism.InputLayout.DataFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read and processing rules of thumb for Spark parallelism, applied to a job's input files and a
 * cluster. Pure arithmetic, no Spark: each proposal carries its rule and the numbers behind it.
 * <ul>
 *   <li>executor cores ≤ 5 (write throughput stops growing beyond about 5 per executor);</li>
 *   <li>about two read partitions per core ("about half as many cores as files"), via the split size:
 *       the files' weight (each at least Iceberg's 4 MiB open cost) over twice the cores, kept between
 *       that open cost and Spark's default split (128 MiB);</li>
 *   <li>partitions after a shuffle: cores × a factor from 2 to 8 that grows with the input;</li>
 *   <li>repartition after the read when fewer read partitions than cores, or when one unsplittable
 *       file is much larger than a split (it alone bounds the read stage).</li>
 * </ul>
 */
public final class ParallelismAdvisor {
    public static final int MAX_EXECUTOR_CORES = 5;
    public static final long MIB = 1024 * 1024;
    /** Iceberg's read.split.open-file-cost: a file weighs at least this much when splits are packed. */
    public static final long OPEN_FILE_COST = 4 * MIB;
    /** Spark's default spark.sql.files.maxPartitionBytes and Iceberg's default read.split.target-size. */
    public static final long MAX_SPLIT = 128 * MIB;
    /** Input per shuffle partition that the shuffle factor aims at. */
    public static final long SHUFFLE_INPUT_PER_PARTITION = 128 * MIB;
    public static final int READ_PARTITIONS_PER_CORE = 2;
    public static final int MIN_SHUFFLE_FACTOR = 2;
    public static final int MAX_SHUFFLE_FACTOR = 8;

    public Advice advise(InputLayout input, ClusterShape cluster) {
        List<Proposal> proposals = new ArrayList<>();
        int executorCores;
        int executors;
        switch (cluster.kind()) {
            case LOCAL -> {
                executorCores = cluster.executorCores();
                executors = 1;
                proposals.add(new Proposal("executor cores", String.valueOf(executorCores),
                        "at most " + MAX_EXECUTOR_CORES + " cores per executor (write throughput stops growing beyond about 5)",
                        "local mode runs one executor, the job JVM, with all " + executorCores + " cores of "
                                + cluster.source() + "; the limit concerns a cluster's executors"));
                proposals.add(new Proposal("executors", "1", "local mode", "the job JVM is the only executor"));
            }
            case STATED -> {
                int split = ceilDiv(cluster.executorCores(), MAX_EXECUTOR_CORES);
                executorCores = cluster.executorCores() / split;
                executors = cluster.executors() * split;
                proposals.add(new Proposal("spark.executor.cores", String.valueOf(executorCores),
                        "at most " + MAX_EXECUTOR_CORES + " cores per executor (write throughput stops growing beyond about 5)",
                        split == 1 ? "the stated " + cluster.executorCores() + " cores per executor are within the limit"
                                : "the stated " + cluster.executorCores() + " cores are over the limit: each executor becomes "
                                        + split + " of " + cluster.executorCores() + " / " + split + " = " + executorCores + " cores"));
                proposals.add(new Proposal("spark.executor.instances", String.valueOf(executors),
                        "the stated executors, times the split above",
                        cluster.executors() + " x " + split + " = " + executors + " executors, " + executors * executorCores
                                + " cores"));
            }
            case STANDALONE -> {
                int smallest = cluster.workerCores().stream().mapToInt(Integer::intValue).min().orElseThrow();
                executorCores = Math.min(MAX_EXECUTOR_CORES, smallest);
                int fit = 0;
                for (int cores : cluster.workerCores()) {
                    fit += cores / executorCores;
                }
                executors = fit;
                proposals.add(new Proposal("spark.executor.cores", String.valueOf(executorCores),
                        "at most " + MAX_EXECUTOR_CORES + " cores per executor (write throughput stops growing beyond about 5)",
                        "min(" + MAX_EXECUTOR_CORES + ", smallest worker's " + smallest + " cores) = " + executorCores));
                proposals.add(new Proposal("spark.executor.instances", String.valueOf(executors),
                        "as many executors as the workers' cores hold (spark.cores.max = executors x cores on standalone)",
                        "workers with " + cluster.workerCores() + " cores hold " + executors + " executor(s) of "
                                + executorCores + " cores"));
            }
            default -> throw new IllegalStateException("Unknown cluster kind " + cluster.kind());
        }
        int cores = executorCores * executors;

        long total = input.totalBytes();
        // What the read costs: each file weighs at least the open cost, so many small files are packed together.
        long weight = input.files().stream().mapToLong(f -> Math.max(f.bytes(), OPEN_FILE_COST)).sum();
        int targetReadPartitions = READ_PARTITIONS_PER_CORE * cores;
        long wanted = ceilDiv(weight, targetReadPartitions);
        long splitBytes = Math.min(MAX_SPLIT, Math.max(OPEN_FILE_COST, ceilDiv(wanted, MIB) * MIB));
        int readPartitions = readPartitions(input, splitBytes);
        proposals.add(new Proposal("spark.sql.iceberg.read.split-size and spark.sql.files.maxPartitionBytes",
                mib(splitBytes), "about two read partitions per core (\"half as many cores as files\"); large splittable "
                        + "files are split, small files packed together",
                input.files().size() + " file(s), " + input.rowGroups() + " row group(s), " + mib(total) + " in "
                        + String.join(", ", input.tables()) + ", weighing " + mib(weight) + " to read (each file at least "
                        + "the " + mib(OPEN_FILE_COST) + " open cost); " + mib(weight) + " / (" + READ_PARTITIONS_PER_CORE
                        + " x " + cores + " cores) = " + mib(wanted) + ", rounded up to whole MiB and kept between "
                        + mib(OPEN_FILE_COST) + " and " + mib(MAX_SPLIT) + " (Spark's default): "
                        + mib(splitBytes) + ", which reads as about " + readPartitions + " partition(s)"));

        int factor = (int) Math.max(MIN_SHUFFLE_FACTOR, Math.min(MAX_SHUFFLE_FACTOR,
                ceilDiv(total, (long) cores * SHUFFLE_INPUT_PER_PARTITION)));
        int shufflePartitions = cores * factor;
        String shuffleBecause = cores + " cores x " + factor + ": " + mib(total) + " / (" + cores + " x "
                + mib(SHUFFLE_INPUT_PER_PARTITION) + ") rounded up, kept between " + MIN_SHUFFLE_FACTOR + " and "
                + MAX_SHUFFLE_FACTOR + " (at least two waves, so one slow task does not idle the other cores)";
        String shuffleRule = "executor cores x executors x a factor from 2 to 8";
        proposals.add(new Proposal("spark.default.parallelism", String.valueOf(shufflePartitions), shuffleRule, shuffleBecause));
        proposals.add(new Proposal("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions), shuffleRule,
                shuffleBecause + "; adaptive execution may still coalesce small ones"));

        Optional<Integer> repartition = Optional.empty();
        long largestUnsplittable = input.files().stream().filter(f -> !f.splittable()).mapToLong(DataFile::bytes)
                .max().orElse(0);
        String repartitionBecause;
        if (readPartitions < cores) {
            repartition = Optional.of(shufflePartitions);
            repartitionBecause = readPartitions + " read partition(s) for " + cores + " cores: " + (cores - readPartitions)
                    + " core(s) idle in the read and in every narrow stage after it unless the rows are spread";
        } else if (largestUnsplittable > 2 * splitBytes) {
            repartition = Optional.of(shufflePartitions);
            repartitionBecause = "the largest file cannot be split (one row group) and holds " + mib(largestUnsplittable)
                    + ", over twice the " + mib(splitBytes) + " split: its one task bounds the read, and its rows "
                    + "would bound the narrow stages after it";
        } else {
            repartitionBecause = readPartitions + " read partitions of at most " + mib(splitBytes) + " for " + cores
                    + " cores: the read already spreads over every core";
        }
        proposals.add(new Proposal("repartition after read", repartition.map(n -> "yes, " + n + " partitions").orElse("no"),
                "more cores than read partitions idle, also in later stages, unless the data is repartitioned",
                repartitionBecause));
        return new Advice(input, cluster, executorCores, executors, splitBytes, readPartitions, shufflePartitions,
                shufflePartitions, repartition, proposals);
    }

    /**
     * About how many partitions a read with this split size makes: a file larger than the split is read
     * in min(row groups, size / split rounded up) parts; smaller files are packed into splits, each
     * weighing at least the file open cost.
     */
    static int readPartitions(InputLayout input, long splitBytes) {
        int partitions = 0;
        long packed = 0;
        for (DataFile f : input.files()) {
            if (f.bytes() > splitBytes) {
                partitions += f.splittable() ? (int) Math.min(f.rowGroups(), ceilDiv(f.bytes(), splitBytes)) : 1;
            } else {
                packed += Math.max(f.bytes(), OPEN_FILE_COST);
            }
        }
        return partitions + (int) ceilDiv(packed, splitBytes);
    }

    static String mib(long bytes) {
        double m = bytes / (double) MIB;
        return m == Math.rint(m) ? String.format("%d MiB", (long) m) : String.format("%.1f MiB", m);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
