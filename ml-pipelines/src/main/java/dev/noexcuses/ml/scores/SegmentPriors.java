package dev.noexcuses.ml.scores;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The fallback for a user the last run did not score (new since): the mean score of the run's users of the same
 * segment (country and device), pulled towards the population's mean by {@value #STRENGTH} pseudo-users so a
 * segment of three users does not answer with their noise; without a segment, the population's mean (the base rate).
 */
public final class SegmentPriors {
    /** Pseudo-users of the base rate added to every segment. */
    public static final double STRENGTH = 20;
    static final String UNKNOWN = "unknown";

    private SegmentPriors() {}

    /** A segment's fallback rate and how many scored users it rests on. */
    public record Prior(double rate, long users) {
        public String encode() {
            return rate + "|" + users;
        }

        public static Prior decode(String text) {
            int bar = text.indexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("Invalid prior '" + text + "': expected rate|users");
            }
            return new Prior(Double.parseDouble(text.substring(0, bar)), Long.parseLong(text.substring(bar + 1)));
        }
    }

    /** The segment field of a country and device: lower-case, blanks as {@value #UNKNOWN}. */
    public static String segment(String country, String device) {
        return normal(country) + "|" + normal(device);
    }

    private static String normal(String value) {
        return value == null || value.isBlank() ? UNKNOWN : value.trim().toLowerCase(Locale.ROOT);
    }

    /** {@code (sum + STRENGTH * base) / (users + STRENGTH)}: the segment's mean shrunk towards the base rate. */
    public static double shrunk(double scoreSum, long users, double baseRate) {
        if (users < 0) {
            throw new IllegalArgumentException("Invalid user count " + users);
        }
        return (scoreSum + STRENGTH * baseRate) / (users + STRENGTH);
    }

    /**
     * @param sums per segment field, {@code {sum of scores, users}}
     * @return the priors of every segment with users
     */
    public static Map<String, Prior> of(Map<String, double[]> sums, double baseRate) {
        Map<String, Prior> priors = new LinkedHashMap<>();
        sums.forEach((segment, s) -> {
            long users = (long) s[1];
            if (users > 0) {
                priors.put(segment, new Prior(shrunk(s[0], users, baseRate), users));
            }
        });
        return priors;
    }
}
