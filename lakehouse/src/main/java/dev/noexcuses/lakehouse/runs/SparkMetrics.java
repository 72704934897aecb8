package dev.noexcuses.lakehouse.runs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.executor.TaskMetrics;

/**
 * What Spark did for one job run (stages, tasks, task time, rows and bytes read, shuffled and
 * written) and the JVM's peak memory, for the run record. Reset between jobs of one process.
 */
public final class SparkMetrics extends SparkListener {
    private final AtomicLong stages = new AtomicLong();
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong taskMillis = new AtomicLong();
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong shuffleBytes = new AtomicLong();
    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong spilledBytes = new AtomicLong();

    @Override
    public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
        stages.incrementAndGet();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        tasks.incrementAndGet();
        TaskMetrics m = taskEnd.taskMetrics();
        if (m == null) {
            return;
        }
        taskMillis.addAndGet(m.executorRunTime());
        recordsRead.addAndGet(m.inputMetrics().recordsRead());
        bytesRead.addAndGet(m.inputMetrics().bytesRead());
        shuffleBytes.addAndGet(m.shuffleWriteMetrics().bytesWritten());
        recordsWritten.addAndGet(m.outputMetrics().recordsWritten());
        spilledBytes.addAndGet(m.diskBytesSpilled());
    }

    public void reset() {
        for (AtomicLong a : new AtomicLong[] {stages, tasks, taskMillis, recordsRead, bytesRead, shuffleBytes,
                recordsWritten, spilledBytes}) {
            a.set(0);
        }
    }

    public Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stages", stages.get());
        m.put("tasks", tasks.get());
        m.put("task_time_ms", taskMillis.get());
        m.put("records_read", recordsRead.get());
        m.put("bytes_read", bytesRead.get());
        m.put("shuffle_bytes_written", shuffleBytes.get());
        m.put("records_written", recordsWritten.get());
        m.put("disk_bytes_spilled", spilledBytes.get());
        m.put("peak_heap_bytes", peakHeapBytes());
        m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        m.put("peak_rss_bytes", peakResidentBytes());
        return m;
    }

    /** Sum of the heap pools' peak usage since the JVM started. */
    public static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** The process's peak resident memory (VmHWM), or -1 where /proc is not there. */
    public static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
