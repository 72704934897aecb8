package dev.noexcuses.enricher.replay;

/** What a replay did: records read, events re-submitted, and records that matched but could not be. */
public record ReplayResult(long scanned, long replayed, long skipped) {}
