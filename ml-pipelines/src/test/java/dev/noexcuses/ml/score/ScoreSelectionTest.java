package dev.noexcuses.ml.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScoreSelectionTest {
    private static final Instant BUILT = Instant.parse("2026-12-01T02:10:00Z");

    @Test
    void aUserNeverScoredIsScored() {
        assertThat(ScoreSelection.needsScore(null, null, BUILT, 3)).isTrue();
    }

    @Test
    void aUserScoredByTheChampionFromFeaturesNotRebuiltSinceIsNotScoredAgain() {
        assertThat(ScoreSelection.needsScore(3, BUILT, BUILT, 3)).isFalse();
        assertThat(ScoreSelection.needsScore(3, BUILT, BUILT.minusSeconds(60), 3)).isFalse();
    }

    @Test
    void featuresRebuiltSinceTheLastScoreOrANewChampionScoreTheUserAgain() {
        assertThat(ScoreSelection.needsScore(3, BUILT, BUILT.plusSeconds(86_400), 3)).isTrue();
        assertThat(ScoreSelection.needsScore(2, BUILT, BUILT, 3)).isTrue();
    }
}
