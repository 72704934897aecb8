package dev.noexcuses.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency samples in nanoseconds, summarised as percentiles: an HdrHistogram (three significant digits,
 * constant memory whatever the number of samples, safe to record from several threads).
 */
public final class Latencies {
    private final Histogram histogram = new ConcurrentHistogram(3);

    /** @param expected samples expected (no longer needed: the histogram's memory does not grow with them) */
    public Latencies(int expected) {
    }

    public void add(long nanos) {
        histogram.recordValue(Math.max(0, nanos));
    }

    /** The p-th percentile (0..100) in milliseconds. */
    public double percentileMs(double p) {
        if (histogram.getTotalCount() == 0) {
            return Double.NaN;
        }
        return histogram.getValueAtPercentile(p) / 1e6;
    }

    public int count() {
        return (int) histogram.getTotalCount();
    }
}
