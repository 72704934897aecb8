package dev.noexcuses.enricher.replay;

/**
 * What a replay did: records read, events re-submitted, records that matched but could not be
 * (payload truncated), and events that failed the top-level checks again (back in events.raw.dlq).
 */
public record ReplayResult(long scanned, long replayed, long skipped, long failedAgain) {}
