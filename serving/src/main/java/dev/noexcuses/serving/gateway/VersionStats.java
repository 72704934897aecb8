package dev.noexcuses.serving.gateway;

import org.HdrHistogram.Histogram;

/**
 * What the gateway saw of one model version: requests, errors, latency and the scores answered, in a
 * window the rollout controller resets at each analysis step, plus running totals.
 */
public final class VersionStats {
    /** Score bins over [0, 1]: what the drift check compares. */
    public static final int SCORE_BINS = 10;

    private final Histogram latencyMicros = new Histogram(60_000_000L, 3);
    private long requests;
    private long errors;
    private long[] scoreBins = new long[SCORE_BINS];
    private long totalRequests;
    private long totalErrors;

    /** One answered (or failed) request. {@code score} is NaN when there was none. */
    synchronized void record(boolean ok, long latencyNanos, double score) {
        requests++;
        totalRequests++;
        if (!ok) {
            errors++;
            totalErrors++;
        }
        latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), Math.max(0, latencyNanos / 1000)));
        if (!Double.isNaN(score)) {
            scoreBins[bin(score)]++;
        }
    }

    static int bin(double score) {
        int b = (int) Math.floor(score * SCORE_BINS);
        return Math.max(0, Math.min(SCORE_BINS - 1, b));
    }

    /** The current window. */
    public synchronized Window window() {
        return new Window(requests, errors, latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(50) / 1000.0,
                latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(99) / 1000.0,
                scoreBins.clone(), totalRequests, totalErrors);
    }

    /** Starts a new window; totals go on. */
    public synchronized void resetWindow() {
        requests = 0;
        errors = 0;
        latencyMicros.reset();
        scoreBins = new long[SCORE_BINS];
    }

    /** Requests and errors since the window began, latency percentiles in ms, and the score histogram. */
    public record Window(long requests, long errors, double p50Ms, double p99Ms, long[] scoreBins,
                         long totalRequests, long totalErrors) {
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }
    }
}
