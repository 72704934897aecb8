package dev.noexcuses.ml.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassifierMetricsTest {
    @Test
    void aucIsTheShareOfPositiveNegativePairsRankedRightWithTiesCountingHalf() {
        // Pairs (positive, negative): (0.35,0.1) right, (0.35,0.4) wrong, (0.8,0.1) right, (0.8,0.4) right: 3 of 4.
        assertThat(ClassifierMetrics.auc(new double[] {0.1, 0.4, 0.35, 0.8}, new double[] {0, 0, 1, 1})).isEqualTo(0.75);
        assertThat(ClassifierMetrics.auc(new double[] {0.5, 0.5, 0.5, 0.5}, new double[] {0, 1, 0, 1})).isEqualTo(0.5);
        assertThat(ClassifierMetrics.auc(new double[] {0.9, 0.8, 0.2}, new double[] {1, 1, 0})).isEqualTo(1.0);
        assertThat(ClassifierMetrics.auc(new double[] {0.9, 0.8}, new double[] {1, 1})).isNaN();
    }

    @Test
    void aucOfRandomScoresIsNearAHalfAndOfInformativeScoresWellAbove() {
        Random random = new Random(3);
        int n = 20_000;
        double[] labels = new double[n];
        double[] noise = new double[n];
        double[] signal = new double[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextDouble() < 0.2 ? 1 : 0;
            noise[i] = random.nextDouble();
            signal[i] = labels[i] + random.nextGaussian();
        }
        assertThat(ClassifierMetrics.auc(noise, labels)).isCloseTo(0.5, within(0.02));
        // Two unit normals one apart: AUC = Phi(1 / sqrt 2) = 0.760.
        assertThat(ClassifierMetrics.auc(signal, labels)).isCloseTo(0.760, within(0.02));
    }

    @Test
    void prAucIsTheMeanPrecisionAtEachPositiveDownTheRanking() {
        // Ranked 0.9 (+), 0.8 (-), 0.7 (+), 0.6 (-): precision 1/1 at the first positive, 2/3 at the second.
        assertThat(ClassifierMetrics.prAuc(new double[] {0.9, 0.8, 0.7, 0.6}, new double[] {1, 0, 1, 0}))
                .isCloseTo((1.0 + 2.0 / 3) / 2, within(1e-12));
        assertThat(ClassifierMetrics.prAuc(new double[] {0.9, 0.8}, new double[] {0, 0})).isNaN();
    }

    @Test
    void liftAtTenPercentComparesThePositiveShareOfTheTopTenthWithTheBaseRate() {
        double[] scores = new double[20];
        double[] labels = new double[20];
        for (int i = 0; i < 20; i++) {
            scores[i] = i / 20.0;
            labels[i] = i >= 18 || i == 3 || i == 7 ? 1 : 0; // the top two are positives; 4 of 20 in all
        }
        assertThat(ClassifierMetrics.lift(scores, labels, 0.1)).isCloseTo(1.0 / 0.2, within(1e-12));
        assertThatThrownBy(() -> ClassifierMetrics.lift(scores, labels, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void calibrationErrorIsZeroForScoresThatAreTheObservedRatesAndLargeForOverconfidentOnes() {
        double[] scores = {0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75};
        double[] labels = {1, 0, 0, 0, 1, 1, 1, 0};
        assertThat(ClassifierMetrics.calibrationError(scores, labels, 10)).isCloseTo(0, within(1e-12));
        double[] overconfident = {0.99, 0.99, 0.99, 0.99, 0.01, 0.01, 0.01, 0.01};
        double[] half = {1, 0, 1, 0, 1, 0, 1, 0};
        assertThat(ClassifierMetrics.calibrationError(overconfident, half, 10)).isCloseTo(0.49, within(1e-9));
        assertThat(ClassifierMetrics.calibration(scores, labels, 10)).extracting(ClassifierMetrics.CalibrationBin::rows)
                .containsExactly(4L, 4L);
    }

    @Test
    void scoresAndLabelsMustPair() {
        assertThatThrownBy(() -> ClassifierMetrics.evaluate(new double[] {0.1}, new double[] {1, 0}))
                .hasMessageContaining("1 scores for 2 labels");
    }
}
