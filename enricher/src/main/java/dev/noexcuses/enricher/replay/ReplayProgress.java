package dev.noexcuses.enricher.replay;

/** Told how a replay is going, after every batch read and once at the end. */
@FunctionalInterface
public interface ReplayProgress {
    /**
     * @param scanned failed-event records read from the DLQ so far
     * @param total records the DLQ held when the replay started (what it reads up to)
     * @param replayed original events re-submitted so far
     * @param skipped records that matched the filter but could not be replayed (payload truncated, not a failed event)
     */
    void onProgress(long scanned, long total, long replayed, long skipped);

    ReplayProgress NONE = (scanned, total, replayed, skipped) -> {};
}
