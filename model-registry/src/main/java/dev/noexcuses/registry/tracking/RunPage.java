package dev.noexcuses.registry.tracking;

import java.util.List;

/** One page of a run list and the token of the next one (blank on the last page). */
public record RunPage(List<Run> runs, String nextPageToken) {
    public RunPage {
        runs = List.copyOf(runs);
        nextPageToken = nextPageToken == null ? "" : nextPageToken;
    }
}
