package dev.noexcuses.loader.realtime.consume;

/**
 * When the gathered documents go to the cluster. One bulk is in flight at a time, and the next one is
 * sent as soon as it is acknowledged: at low rates a document goes at once (searchable about one
 * refresh interval later), while under load the documents that arrive during a bulk gather into the
 * next one, so bulks grow with the rate up to {@code maxDocuments} or {@code maxBytes}. {@code lingerNanos}
 * optionally waits for more documents before a bulk while none is in flight (fewer, larger bulks at
 * the price of that much latency).
 */
record BulkSchedule(int maxDocuments, long maxBytes, long lingerNanos) {
    BulkSchedule {
        if (maxDocuments < 1 || maxBytes < 1 || lingerNanos < 0) {
            throw new IllegalArgumentException("Invalid bulk schedule: max documents " + maxDocuments + ", max bytes "
                    + maxBytes + ", linger " + lingerNanos + " ns: expected positive sizes and a linger of 0 or more");
        }
    }

    /** Whether to send the batch now, given whether a bulk is still in flight. */
    boolean sendNow(Batch batch, boolean bulkInFlight) {
        if (batch.isEmpty()) {
            return false;
        }
        if (batch.full(maxDocuments, maxBytes)) {
            return true;
        }
        return !bulkInFlight && batch.nanosUntilDue(lingerNanos) == 0;
    }
}
