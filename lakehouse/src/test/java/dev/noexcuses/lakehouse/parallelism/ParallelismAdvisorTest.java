package dev.noexcuses.lakehouse.parallelism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.noexcuses.lakehouse.parallelism.InputLayout.DataFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The advisor's exact proposals on constructed file layouts; every number is worked out by hand in the comments. */
class ParallelismAdvisorTest {
    private static final long MIB = 1024 * 1024;
    private final ParallelismAdvisor advisor = new ParallelismAdvisor();

    private static InputLayout files(int count, long mib, int rowGroups) {
        List<DataFile> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(new DataFile(mib * MIB, rowGroups));
        }
        return new InputLayout(List.of("raw.enriched_events"), files);
    }

    @Test
    void manySmallFilesArePackedIntoTwoReadPartitionsPerCoreAtMost() {
        // 40 files of 1 MiB, one row group each, on 2 stated executors of 2 cores: 4 cores.
        Advice advice = advisor.advise(files(40, 1, 1), ClusterShape.stated(2, 2));

        assertThat(advice.executorCores()).isEqualTo(2);          // 2 <= 5: kept
        assertThat(advice.executors()).isEqualTo(2);
        // each 1 MiB file weighs the 4 MiB open cost: 40 x 4 = 160 MiB; 160 / (2 x 4 cores) = 20 MiB per split
        assertThat(advice.splitBytes()).isEqualTo(20 * MIB);
        // 160 MiB packed into 20 MiB splits = 8 read partitions, two per core
        assertThat(advice.expectedReadPartitions()).isEqualTo(8);
        // factor: 40 MiB / (4 x 128 MiB) rounds up to 1, raised to the minimum 2: 4 x 2 = 8
        assertThat(advice.shufflePartitions()).isEqualTo(8);
        assertThat(advice.defaultParallelism()).isEqualTo(8);
        assertThat(advice.repartitionAfterRead()).isEmpty();      // 8 read partitions >= 4 cores
        assertThat(advice.sparkConf()).containsExactly(
                entry("spark.executor.cores", "2"), entry("spark.executor.instances", "2"), entry("spark.cores.max", "4"),
                entry("spark.sql.files.maxPartitionBytes", "20971520"), entry("spark.sql.iceberg.read.split-size", "20971520"),
                entry("spark.sql.iceberg.read.adaptive-split-size.enabled", "false"),
                entry("spark.default.parallelism", "8"), entry("spark.sql.shuffle.partitions", "8"));
        assertThat(advice.proposals()).anySatisfy(p -> {
            assertThat(p.setting()).startsWith("spark.sql.iceberg.read.split-size");
            assertThat(p.because()).contains("40 file(s), 40 row group(s), 40 MiB", "weighing 160 MiB",
                    "160 MiB / (2 x 4 cores) = 20 MiB", "about 8 partition(s)");
        });
    }

    @Test
    void oneHugeSplittableFileIsReadInItsRowGroupsInLocalMode() {
        // One 1024 MiB Parquet file of 8 row groups on local[2]: 2 cores, one executor.
        Advice advice = advisor.advise(files(1, 1024, 8), ClusterShape.local(2, "local[2]"));

        assertThat(advice.executors()).isEqualTo(1);
        assertThat(advice.executorCores()).isEqualTo(2);
        // 1024 MiB / (2 x 2) = 256 MiB, capped at 128 MiB
        assertThat(advice.splitBytes()).isEqualTo(128 * MIB);
        // min(8 row groups, 1024 / 128 = 8) = 8
        assertThat(advice.expectedReadPartitions()).isEqualTo(8);
        // factor: 1024 / (2 x 128) = 4: 2 x 4 = 8
        assertThat(advice.shufflePartitions()).isEqualTo(8);
        assertThat(advice.repartitionAfterRead()).isEmpty();
        assertThat(advice.sparkConf()).doesNotContainKeys("spark.executor.cores", "spark.executor.instances")
                .containsEntry("spark.sql.iceberg.read.split-size", String.valueOf(128 * MIB));
    }

    @Test
    void oneHugeUnsplittableFileIdlesTheOtherCoresSoTheRowsAreRepartitioned() {
        // One 1024 MiB file with a single row group, 1 executor x 4 cores.
        Advice advice = advisor.advise(files(1, 1024, 1), ClusterShape.stated(1, 4));

        // 1024 / (2 x 4) = 128 MiB; the file cannot be split: 1 read partition for 4 cores
        assertThat(advice.splitBytes()).isEqualTo(128 * MIB);
        assertThat(advice.expectedReadPartitions()).isEqualTo(1);
        // factor: 1024 / (4 x 128) = 2: 4 x 2 = 8
        assertThat(advice.shufflePartitions()).isEqualTo(8);
        assertThat(advice.repartitionAfterRead()).isEqualTo(Optional.of(8));
        assertThat(advice.proposals()).anySatisfy(p -> {
            assertThat(p.setting()).isEqualTo("repartition after read");
            assertThat(p.because()).contains("1 read partition(s) for 4 cores: 3 core(s) idle");
        });
    }

    @Test
    void aSkewedLayoutOnTwoOneCoreWorkersRepartitionsAfterItsLargeUnsplittableFile() {
        // 9 files of 8 MiB and one of 200 MiB, all single row groups; a standalone cluster of two 1-core workers.
        List<DataFile> files = new ArrayList<>(files(9, 8, 1).files());
        files.add(new DataFile(200 * MIB, 1));
        Advice advice = advisor.advise(new InputLayout(List.of("raw.enriched_events"), files),
                ClusterShape.standalone("spark://127.0.0.1:7077", List.of(1, 1)));

        assertThat(advice.executorCores()).isEqualTo(1);          // min(5, smallest worker's 1 core)
        assertThat(advice.executors()).isEqualTo(2);              // 1 + 1
        // 272 MiB / (2 x 2) = 68 MiB
        assertThat(advice.splitBytes()).isEqualTo(68 * MIB);
        // the 200 MiB file: 1; the nine 8 MiB files: 72 MiB packed into 68 MiB splits = 2; 3 in all
        assertThat(advice.expectedReadPartitions()).isEqualTo(3);
        // factor: 272 / (2 x 128) = 1.06, rounds up to 2: 2 x 2 = 4
        assertThat(advice.shufflePartitions()).isEqualTo(4);
        // 200 MiB > 2 x 68 MiB: the big file's task bounds the read
        assertThat(advice.repartitionAfterRead()).isEqualTo(Optional.of(4));
        assertThat(advice.sparkConf()).containsEntry("spark.cores.max", "2");
    }

    @Test
    void executorsOverFiveCoresAreSplitIntoSmallerOnes() {
        // 3 stated executors of 8 cores; 10 files of 64 MiB, single row groups.
        Advice advice = advisor.advise(files(10, 64, 1), ClusterShape.stated(3, 8));

        // 8 > 5: each executor becomes ceil(8 / 5) = 2 of 8 / 2 = 4 cores: 6 executors, 24 cores
        assertThat(advice.executorCores()).isEqualTo(4);
        assertThat(advice.executors()).isEqualTo(6);
        // 640 MiB / (2 x 24) = 13.3 MiB, rounded up to 14 MiB
        assertThat(advice.splitBytes()).isEqualTo(14 * MIB);
        // ten unsplittable 64 MiB files: 10 read partitions for 24 cores
        assertThat(advice.expectedReadPartitions()).isEqualTo(10);
        // factor: 640 / (24 x 128) rounds up to 1, raised to 2: 48
        assertThat(advice.shufflePartitions()).isEqualTo(48);
        assertThat(advice.repartitionAfterRead()).isEqualTo(Optional.of(48));
    }

    @Test
    void fewLargeFilesAreSplitAtTheirRowGroupsOnly() {
        // 4 files of 256 MiB with 2 row groups each, 2 executors x 4 cores = 8 cores.
        Advice advice = advisor.advise(files(4, 256, 2), ClusterShape.stated(2, 4));

        // 1024 / (2 x 8) = 64 MiB; each file would make 256 / 64 = 4 splits but has only 2 row groups: 8
        assertThat(advice.splitBytes()).isEqualTo(64 * MIB);
        assertThat(advice.expectedReadPartitions()).isEqualTo(8);
        // factor: 1024 / (8 x 128) = 1, raised to 2: 16
        assertThat(advice.shufflePartitions()).isEqualTo(16);
        assertThat(advice.repartitionAfterRead()).isEmpty();      // 8 partitions for 8 cores
    }

    @Test
    void noInputStillGetsTwoWavesPerCoreAndTheSmallestSplit() {
        // No files yet on local[2]: split 4 MiB (the floor), factor 2: 4 partitions after a shuffle.
        Advice advice = advisor.advise(new InputLayout(List.of("raw.enriched_events"), List.of()),
                ClusterShape.local(2, "local[2]"));

        assertThat(advice.splitBytes()).isEqualTo(4 * MIB);
        assertThat(advice.expectedReadPartitions()).isZero();
        assertThat(advice.shufflePartitions()).isEqualTo(4);
        assertThat(advice.repartitionAfterRead()).isEqualTo(Optional.of(4));
    }
}
