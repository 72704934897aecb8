package dev.noexcuses.collector.intake;

import java.util.List;

/** What happened to each event of a request: how many were accepted, and why the others were not. */
public record IntakeResult(String requestId, int accepted, List<Rejection> rejected) {
    public IntakeResult {
        rejected = List.copyOf(rejected);
    }

    public record Rejection(int index, String eventId, List<String> reasons) {
        public Rejection {
            reasons = List.copyOf(reasons);
        }
    }
}
