package dev.noexcuses.serving.analysis;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The primary's and the shadow's answers to the same requests, compared: how often they agree
 * (scores within a tolerance), the mean absolute difference, the shadow's errors and latency, and the
 * copies dropped because the shadow queue was full.
 */
public final class ShadowComparison {
    private final double tolerance;
    private long compared;
    private long agreed;
    private double sumAbsDiff;
    private long shadowErrors;
    private long dropped;
    private long shadowLatencyMicrosSum;
    private long primaryLatencyMicrosSum;

    public ShadowComparison(double tolerance) {
        this.tolerance = tolerance;
    }

    public synchronized void compare(double primaryScore, double shadowScore, long primaryNanos, long shadowNanos) {
        compared++;
        double diff = Math.abs(primaryScore - shadowScore);
        if (diff <= tolerance) {
            agreed++;
        }
        sumAbsDiff += diff;
        primaryLatencyMicrosSum += primaryNanos / 1000;
        shadowLatencyMicrosSum += shadowNanos / 1000;
    }

    public synchronized void shadowFailed() {
        shadowErrors++;
    }

    public synchronized void dropped() {
        dropped++;
    }

    public synchronized long compared() {
        return compared;
    }

    /** Copies answered, compared or failed: what the gate counts towards its minimum. */
    public synchronized long observed() {
        return compared + shadowErrors;
    }

    public synchronized double agreement() {
        return compared == 0 ? 0 : (double) agreed / compared;
    }

    public synchronized double meanAbsDiff() {
        return compared == 0 ? 0 : sumAbsDiff / compared;
    }

    public synchronized long shadowErrors() {
        return shadowErrors;
    }

    public synchronized Map<String, Object> values() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("compared", compared);
        v.put("agreement", Math.round(agreement() * 10_000) / 10_000.0);
        v.put("mean_abs_diff", Math.round(meanAbsDiff() * 1_000_000) / 1_000_000.0);
        v.put("shadow_errors", shadowErrors);
        v.put("dropped", dropped);
        v.put("tolerance", tolerance);
        v.put("primary_mean_latency_ms", compared == 0 ? 0 : primaryLatencyMicrosSum / 1000.0 / compared);
        v.put("shadow_mean_latency_ms", compared == 0 ? 0 : shadowLatencyMicrosSum / 1000.0 / compared);
        return v;
    }
}
