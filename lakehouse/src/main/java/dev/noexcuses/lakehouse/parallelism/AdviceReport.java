package dev.noexcuses.lakehouse.parallelism;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The advice as a data engineer reads it (each setting, its rule, the numbers), or as JSON for scripts. */
public final class AdviceReport {
    private AdviceReport() {}

    public static String text(String job, Advice advice) {
        StringBuilder out = new StringBuilder();
        out.append("Parallelism advice for ").append(job).append('\n');
        out.append("  input:   ").append(advice.input().files().size()).append(" file(s), ")
                .append(ParallelismAdvisor.mib(advice.input().totalBytes())).append(", largest ")
                .append(ParallelismAdvisor.mib(advice.input().largestBytes())).append(", median ")
                .append(ParallelismAdvisor.mib(advice.input().medianBytes())).append(" (")
                .append(String.join(", ", advice.input().tables())).append(")\n");
        out.append("  cluster: ").append(advice.cluster().source()).append('\n');
        for (Advice.Proposal p : advice.proposals()) {
            out.append("  ").append(p.setting()).append(" = ").append(p.value()).append('\n');
            out.append("      rule: ").append(p.rule()).append('\n');
            out.append("      here: ").append(p.because()).append('\n');
        }
        out.append("  Spark settings: ").append(advice.sparkConf()).append('\n');
        return out.toString();
    }

    public static String json(String job, Advice advice) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("input", Map.of("tables", advice.input().tables(), "files", advice.input().files().size(),
                "bytes", advice.input().totalBytes(), "largest_bytes", advice.input().largestBytes(),
                "median_bytes", advice.input().medianBytes(), "row_groups", advice.input().rowGroups()));
        m.put("cluster", Map.of("kind", advice.cluster().kind().name().toLowerCase(), "source", advice.cluster().source()));
        m.put("executor_cores", advice.executorCores());
        m.put("executors", advice.executors());
        m.put("split_bytes", advice.splitBytes());
        m.put("expected_read_partitions", advice.expectedReadPartitions());
        m.put("default_parallelism", advice.defaultParallelism());
        m.put("shuffle_partitions", advice.shufflePartitions());
        m.put("repartition_after_read", advice.repartitionAfterRead().orElse(0));
        m.put("spark_conf", advice.sparkConf());
        List<Map<String, String>> proposals = advice.proposals().stream()
                .map(p -> Map.of("setting", p.setting(), "value", p.value(), "rule", p.rule(), "because", p.because()))
                .toList();
        m.put("proposals", proposals);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
