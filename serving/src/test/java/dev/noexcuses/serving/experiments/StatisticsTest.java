package dev.noexcuses.serving.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.noexcuses.serving.experiments.statistics.Comparison;
import dev.noexcuses.serving.experiments.statistics.ProportionTest;
import dev.noexcuses.serving.experiments.statistics.SampleSize;
import dev.noexcuses.serving.experiments.statistics.SequentialTest;
import dev.noexcuses.serving.experiments.statistics.Summary;
import dev.noexcuses.serving.experiments.statistics.WelchTest;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.TTest;
import org.junit.jupiter.api.Test;

/** The tests and formulas against values worked out by hand and against an independent implementation. */
class StatisticsTest {

    @Test
    void twoProportionTestMatchesTheHandComputedExample() {
        // 200/1000 against 250/1000: pooled 0.225, standard error sqrt(0.225 * 0.775 * 2/1000) = 0.018675.
        Comparison c = ProportionTest.compare(200, 1000, 250, 1000, 0.05);

        assertThat(c.difference()).isCloseTo(0.05, within(1e-12));
        assertThat(c.statistic()).isCloseTo(2.6774, within(1e-4));
        assertThat(c.pValue()).isCloseTo(0.007419, within(1e-5));
        // Unpooled standard error sqrt(0.2 * 0.8 / 1000 + 0.25 * 0.75 / 1000) = 0.018641; 1.959964 of them each side.
        assertThat(c.lower()).isCloseTo(0.05 - 1.959964 * 0.0186414, within(1e-6));
        assertThat(c.upper()).isCloseTo(0.05 + 1.959964 * 0.0186414, within(1e-6));
        assertThat(c.relativeDifference()).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void welchTestAgreesWithCommonsMathsUnequalVarianceTTestAndGivesTheWelchInterval() {
        SplittableRandom random = new SplittableRandom(5);
        double[] a = new double[40];
        double[] b = new double[90];
        for (int i = 0; i < a.length; i++) {
            a[i] = 10 + 2 * gaussian(random);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = 11 + 6 * gaussian(random);
        }

        Comparison c = WelchTest.compare(Summary.of(a), Summary.of(b), 0.05);

        assertThat(c.pValue()).isCloseTo(new TTest().tTest(a, b), within(1e-9));
        assertThat(Math.abs(c.statistic())).isCloseTo(Math.abs(new TTest().t(a, b)), within(1e-9));
        assertThat(c.lower()).isLessThan(c.difference());
        assertThat(c.upper()).isGreaterThan(c.difference());
        assertThat(c.upper() - c.difference()).isCloseTo(c.difference() - c.lower(), within(1e-9));
    }

    @Test
    void welchTestOfTheTextbookSamples() {
        // 1..5 against 2, 4, .., 10: t = -3 / sqrt(2.5/5 + 10/5) = -1.8974, Welch-Satterthwaite df = 6.25 / 1.0625 = 5.882.
        Comparison c = WelchTest.compare(Summary.of(1, 2, 3, 4, 5), Summary.of(2, 4, 6, 8, 10), 0.05);

        assertThat(c.difference()).isCloseTo(3, within(1e-12));
        assertThat(c.statistic()).isCloseTo(1.8974, within(1e-4));
        assertThat(c.pValue()).isCloseTo(new TTest().tTest(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 6, 8, 10}),
                within(1e-12));
    }

    @Test
    void sampleSizeForTwoPercentagePointsOnTenPercentIsTheFormulasValue() {
        // (z_0.975 + z_0.8)^2 * (0.1 * 0.9 + 0.12 * 0.88) / 0.02^2 = 7.848879 * 0.1956 / 0.0004 = 3838.1 -> 3839 per arm.
        SampleSize.Plan plan = SampleSize.forProportion(0.10, 0.02, 0.05, 0.8, 0.5);

        assertThat(plan.control()).isEqualTo(3839);
        assertThat(plan.treatment()).isEqualTo(3839);
        // A 20% treatment arm needs fewer treatment users but more in all.
        SampleSize.Plan skewed = SampleSize.forProportion(0.10, 0.02, 0.05, 0.8, 0.2);
        assertThat(skewed.treatment()).isLessThan(skewed.control());
        assertThat(skewed.total()).isGreaterThan(plan.total());
        // Means: (z_a + z_b)^2 * 2 * 40^2 / 5^2 = 1004.7 -> 1005 per arm.
        assertThat(SampleSize.forMean(40, 5, 0.05, 0.8, 0.5).control()).isEqualTo(1005);
    }

    @Test
    void sampleSizeRefusesARateOutsideZeroAndOne() {
        assertThatThrownBy(() -> SampleSize.forProportion(0.99, 0.02, 0.05, 0.8, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strictly between 0 and 1");
    }

    @Test
    void sequentialTestNeedsMoreEvidenceThanOneFixedHorizonLookAndItsIntervalIsWider() {
        // The same data: significant at the fixed horizon (p = 0.0074), not yet for the always-valid test.
        Comparison fixed = ProportionTest.compare(200, 1000, 250, 1000, 0.05);
        SequentialTest.Look look = SequentialTest.proportions(200, 1000, 250, 1000, 0.05, 0.05);

        assertThat(fixed.significant(0.05)).isTrue();
        assertThat(look.pValue()).isGreaterThan(fixed.pValue());
        assertThat(look.upper() - look.lower()).isGreaterThan(fixed.upper() - fixed.lower());
        // Ten times the users with the same rates: decided.
        SequentialTest.Look more = SequentialTest.proportions(2000, 10000, 2500, 10000, 0.05, 0.05);
        assertThat(more.significant()).isTrue();
        assertThat(more.pValue()).isLessThan(0.05);
        assertThat(more.likelihoodRatio()).isGreaterThanOrEqualTo(20);
        assertThat(more.lower()).isGreaterThan(0);
    }

    @Test
    void summaryKeepsMeanAndUnbiasedVarianceFromSums() {
        Summary s = Summary.of(2, 4, 4, 4, 5, 5, 7, 9);
        assertThat(s.mean()).isEqualTo(5);
        assertThat(s.variance()).isCloseTo(32.0 / 7, within(1e-12));
        assertThat(Summary.ofProportion(3, 10).variance()).isCloseTo(0.3 * 0.7 * 10 / 9, within(1e-12));
    }

    static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
