package dev.noexcuses.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the parallelism settings travel from the platform's configuration to the job JVM's arguments. */
class SparkJobLauncherTest {
    @TempDir
    Path home;

    private List<String> command(Map<String, String> sets) throws Exception {
        Files.createDirectories(home.resolve("lakehouse/target/lib"));
        Files.createFile(home.resolve("lakehouse/target/lakehouse-0.1.0-SNAPSHOT.jar"));
        Map<String, String> all = new java.util.HashMap<>(sets);
        all.put("platform.home", home.toString());
        all.put("postgres.jdbc-url", "jdbc:postgresql://127.0.0.1:5432/platform");
        Config config = PlatformConfig.load(Optional.empty(), all);
        LocalDate day = LocalDate.parse("2026-11-30");
        return new SparkJobLauncher(config).command("curate", day, day);
    }

    private static String after(List<String> cmd, String flag) {
        int i = cmd.indexOf(flag);
        return i < 0 ? null : cmd.get(i + 1);
    }

    @Test
    void jobsAreAdvisedByDefaultAndShufflePartitionsAreLeftToTheAdviceUnlessSet() throws Exception {
        List<String> cmd = command(Map.of());

        assertThat(after(cmd, "--parallelism")).isEqualTo("advised");
        assertThat(cmd).doesNotContain("--shuffle-partitions", "--master-ui");
    }

    @Test
    void explicitSettingsAndSparkDefaultsModeReachTheJobArguments() throws Exception {
        List<String> cmd = command(Map.of("lakehouse.parallelism", "spark-defaults", "lakehouse.shuffle-partitions", "12",
                "lakehouse.spark-conf.\"spark.sql.files.maxPartitionBytes\"", "33554432"));

        assertThat(after(cmd, "--parallelism")).isEqualTo("spark-defaults");
        assertThat(after(cmd, "--shuffle-partitions")).isEqualTo("12");
        assertThat(cmd).contains("spark.sql.files.maxPartitionBytes=33554432");
    }

    @Test
    void theAdvisorReadsThePlatformsOwnClusterFromItsMasterUi() throws Exception {
        List<String> cmd = command(Map.of("lakehouse.master", "spark://127.0.0.1:7077"));

        assertThat(after(cmd, "--master")).isEqualTo("spark://127.0.0.1:7077");
        assertThat(after(cmd, "--master-ui")).isEqualTo("http://127.0.0.1:8091");
    }
}
