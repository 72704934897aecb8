package dev.noexcuses.ml.scores;

import java.time.Instant;

/**
 * One user's score as stored in a run's hash: {@code score|model version|feature time ms|scored at ms}, compact so
 * a run of millions of users stays small.
 */
public record ScoreEntry(double score, int modelVersion, Instant featureTime, Instant scoredAt) {
    public String encode() {
        return score + "|" + modelVersion + "|" + featureTime.toEpochMilli() + "|" + scoredAt.toEpochMilli();
    }

    public static ScoreEntry decode(String text) {
        String[] parts = text.split("\\|");
        if (parts.length != 4) {
            throw new IllegalArgumentException("Invalid score entry '" + text + "': expected score|version|feature ms|scored ms");
        }
        return new ScoreEntry(Double.parseDouble(parts[0]), Integer.parseInt(parts[1]),
                Instant.ofEpochMilli(Long.parseLong(parts[2])), Instant.ofEpochMilli(Long.parseLong(parts[3])));
    }
}
