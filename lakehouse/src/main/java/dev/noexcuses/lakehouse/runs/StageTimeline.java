package dev.noexcuses.lakehouse.runs;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per stage of a job run: tasks, task time spread (max and median) and idle core time, that is the
 * cores the application held times the stage's wall time, minus the time its tasks ran. A stage whose
 * tasks are few or uneven leaves cores idle; this is where the parallelism rules show.
 */
public final class StageTimeline extends SparkListener {
    /** Spark settings that decide the parallelism, recorded with every run. */
    public static final List<String> PARALLELISM_SETTINGS = List.of("spark.master", "spark.executor.cores",
            "spark.executor.instances", "spark.cores.max", "spark.default.parallelism", "spark.sql.shuffle.partitions",
            "spark.sql.files.maxPartitionBytes", "spark.sql.iceberg.read.split-size",
            "spark.sql.iceberg.read.adaptive-split-size.enabled");

    private final SparkContext context;
    private final Map<String, List<Long>> taskMillis = new ConcurrentHashMap<>();
    private final List<StageFigures> stages = new CopyOnWriteArrayList<>();

    /** One completed stage. {@code cores} is what the application's executors held when it completed. */
    public record StageFigures(int stageId, String name, int tasks, long wallMillis, long taskMillis, long maxTaskMillis,
                               long medianTaskMillis, int cores, long idleCoreMillis) {}

    public StageTimeline(SparkContext context) {
        this.context = requireNonNull(context, "context is null");
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        taskMillis.computeIfAbsent(key(taskEnd.stageId(), taskEnd.stageAttemptId()), k -> new CopyOnWriteArrayList<>())
                .add(taskEnd.taskInfo().duration());
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        StageInfo info = completed.stageInfo();
        List<Long> durations = taskMillis.remove(key(info.stageId(), info.attemptNumber()));
        List<Long> sorted = durations == null ? List.of() : durations.stream().sorted().toList();
        long submitted = info.submissionTime().isDefined() ? (Long) info.submissionTime().get() : 0;
        long finished = info.completionTime().isDefined() ? (Long) info.completionTime().get() : submitted;
        long wall = Math.max(0, finished - submitted);
        long sum = sorted.stream().mapToLong(Long::longValue).sum();
        int cores = executorCores();
        stages.add(new StageFigures(info.stageId(), info.name(), sorted.size(), wall, sum,
                sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), sorted.isEmpty() ? 0 : sorted.get((sorted.size() - 1) / 2),
                cores, Math.max(0, cores * wall - sum)));
    }

    /** Cores of the alive executors; in local mode the driver is the executor and holds them. */
    private int executorCores() {
        int cores = 0;
        for (ExecutorSummary e : CollectionConverters.asJava(context.statusStore().executorList(true))) {
            cores += e.totalCores();
        }
        return cores;
    }

    public void reset() {
        stages.clear();
        taskMillis.clear();
    }

    public List<StageFigures> stages() {
        return List.copyOf(stages);
    }

    /** The figures for the run record: per stage, the totals, and the parallelism settings in force. */
    public Map<String, Object> snapshot() {
        List<Map<String, Object>> list = new ArrayList<>();
        long wallCore = 0;
        long idle = 0;
        for (StageFigures s : stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s.stageId());
            m.put("name", s.name());
            m.put("tasks", s.tasks());
            m.put("wall_ms", s.wallMillis());
            m.put("task_ms", s.taskMillis());
            m.put("max_task_ms", s.maxTaskMillis());
            m.put("median_task_ms", s.medianTaskMillis());
            m.put("cores", s.cores());
            m.put("idle_core_ms", s.idleCoreMillis());
            list.add(m);
            wallCore += s.cores() * s.wallMillis();
            idle += s.idleCoreMillis();
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        for (String key : PARALLELISM_SETTINGS) {
            if (context.conf().contains(key)) {
                settings.put(key, context.conf().get(key));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage_timeline", list);
        m.put("idle_core_ms", idle);
        m.put("idle_core_share", wallCore == 0 ? 0.0 : idle / (double) wallCore);
        m.put("parallelism_settings", settings);
        return m;
    }

    private static String key(int stageId, int attempt) {
        return stageId + "." + attempt;
    }
}
