package dev.noexcuses.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, summarised as percentiles. */
public final class Latencies {
    private long[] samples;
    private int size;

    public Latencies(int expected) {
        samples = new long[Math.max(16, expected)];
    }

    public synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    /** The p-th percentile (0..100) in milliseconds. */
    public synchronized double percentileMs(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        int index = (int) Math.min(size - 1, Math.max(0, Math.ceil(p / 100.0 * size) - 1));
        return sorted[index] / 1e6;
    }

    public synchronized int count() {
        return size;
    }
}
