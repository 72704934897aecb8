package dev.noexcuses.platform.verify;

import java.util.List;

/**
 * One reconciliation between two stages: how many ids were expected downstream, how many arrived,
 * and which are missing or duplicated (a bounded sample of each, with full counts).
 */
public record StageCheck(String stage, String description, long expected, long found, long missing,
                         long duplicated, List<String> missingSample, List<String> duplicatedSample, String note) {
    public StageCheck {
        missingSample = List.copyOf(missingSample);
        duplicatedSample = List.copyOf(duplicatedSample);
    }

    public boolean ok() {
        return missing == 0 && duplicated == 0;
    }
}
