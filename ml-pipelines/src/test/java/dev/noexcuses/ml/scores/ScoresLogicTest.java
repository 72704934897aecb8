package dev.noexcuses.ml.scores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scores API's pure parts: fallback priors, entries, what a read returns, bad keys. */
class ScoresLogicTest {
    @Test
    void aSegmentPriorIsItsMeanShrunkTowardsTheBaseRateByTwentyPseudoUsers() {
        // 5 users averaging 0.6 against a base rate of 0.2: (3.0 + 20 * 0.2) / 25 = 0.28.
        assertThat(SegmentPriors.shrunk(3.0, 5, 0.2)).isCloseTo(0.28, within(1e-12));
        // A large segment keeps nearly its own mean.
        assertThat(SegmentPriors.shrunk(60_000, 100_000, 0.2)).isCloseTo(0.6, within(0.001));
        Map<String, SegmentPriors.Prior> priors = SegmentPriors.of(Map.of("de|mobile", new double[] {3.0, 5},
                "fr|desktop", new double[] {0, 0}), 0.2);
        assertThat(priors).containsOnlyKeys("de|mobile");
        assertThat(priors.get("de|mobile").users()).isEqualTo(5);
    }

    @Test
    void segmentsAreLowerCaseWithUnknownForBlanks() {
        assertThat(SegmentPriors.segment("DE", " Mobile ")).isEqualTo("de|mobile");
        assertThat(SegmentPriors.segment(null, "")).isEqualTo("unknown|unknown");
    }

    @Test
    void anEntryRoundTripsThroughItsCompactText() {
        ScoreEntry e = new ScoreEntry(0.8125, 3, Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-01T03:04:05Z"));
        assertThat(ScoreEntry.decode(e.encode())).isEqualTo(e);
        assertThatThrownBy(() -> ScoreEntry.decode("0.5|3")).hasMessageContaining("expected score|version");
    }

    @Test
    void aReadIsTheScoreThenTheSegmentPriorThenTheBaseRate() {
        ScoreReader.Result scored = ScoreReader.parse("u-1", "churn", "", List.of("r1", "score",
                new ScoreEntry(0.7, 2, Instant.ofEpochMilli(1000), Instant.ofEpochMilli(2000)).encode()));
        assertThat(scored.kind()).isEqualTo(ScoreReader.Kind.SCORE);
        assertThat(scored.fallback()).isFalse();
        assertThat(scored.modelVersion()).isEqualTo(2);

        ScoreReader.Result prior = ScoreReader.parse("u-new", "churn", "de|mobile",
                List.of("r1", "fallback", new SegmentPriors.Prior(0.31, 40).encode(), "2", "5000", "0.25"));
        assertThat(prior.kind()).isEqualTo(ScoreReader.Kind.SEGMENT_PRIOR);
        assertThat(prior.score()).isEqualTo(0.31);
        assertThat(prior.segmentUsers()).isEqualTo(40);

        ScoreReader.Result base = ScoreReader.parse("u-new", "churn", "", List.of("r1", "fallback", "", "2", "5000", "0.25"));
        assertThat(base.kind()).isEqualTo(ScoreReader.Kind.BASE_RATE);
        assertThat(base.score()).isEqualTo(0.25);
        assertThat(base.scoredAt()).isEqualTo(Instant.ofEpochMilli(5000));
    }

    @Test
    void malformedKeysAndSegmentsAreNamed() {
        assertThat(ScoresApi.problem("u-1", "DE", "mobile")).isNull();
        assertThat(ScoresApi.problem(" ", null, null)).contains("Missing user key");
        assertThat(ScoresApi.problem("a b", null, null)).contains("spaces");
        assertThat(ScoresApi.problem("x".repeat(300), null, null)).contains("at most 256");
        assertThat(ScoresApi.problem("u-1", "D|E", null)).contains("country");
    }

    @Test
    void everyKeyOfAModelSharesOneClusterSlot() {
        ScoreKeys keys = ScoreKeys.of("churn");
        assertThat(List.of(keys.current(), keys.previous(), keys.runs(), keys.scores("r"), keys.priors("r"), keys.meta("r")))
                .allMatch(k -> k.startsWith("ml:{churn}:"));
        assertThatThrownBy(() -> ScoreKeys.of("Churn!")).hasMessageContaining("Invalid model name");
    }
}
