package dev.noexcuses.producers.sdk;

import java.util.List;

/** The collector's answer to one batch: how many events it accepted, and which it rejected and why. */
public record SendResult(int accepted, List<Rejected> rejected) {
    public SendResult {
        rejected = List.copyOf(rejected);
    }

    public record Rejected(int index, String eventId, List<String> reasons) {
        public Rejected {
            reasons = List.copyOf(reasons);
        }
    }
}
