package dev.noexcuses.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ValidationGatesTest {
    private static final List<FeatureValidation.Check> CLEAN = List.of(
            new FeatureValidation.Check("a", "range", "pass", 0, "0..3 (allowed 0..∞)"));

    @Test
    void aModelAboveTheFloorWithoutAChampionPassesEveryGate() {
        List<ValidationGates.Gate> gates = ValidationGates.decide(0.81, OptionalDouble.empty(), 0.65, 0.02, CLEAN);
        assertThat(ValidationGates.allPassed(gates)).isTrue();
        assertThat(gates.get(1).detail()).isEqualTo("no champion yet");
    }

    @Test
    void theFloorAndTheChampionToleranceDecideAndSayWhy() {
        List<ValidationGates.Gate> low = ValidationGates.decide(0.60, OptionalDouble.empty(), 0.65, 0.02, CLEAN);
        assertThat(low).filteredOn(g -> !g.passed()).extracting(ValidationGates.Gate::name).containsExactly("auc-floor");
        assertThat(low.get(0).detail()).isEqualTo("holdout AUC 0.6000 < floor 0.6500");

        assertThat(ValidationGates.allPassed(ValidationGates.decide(0.79, OptionalDouble.of(0.80), 0.65, 0.02, CLEAN))).isTrue();
        List<ValidationGates.Gate> worse = ValidationGates.decide(0.77, OptionalDouble.of(0.80), 0.65, 0.02, CLEAN);
        assertThat(worse).filteredOn(g -> !g.passed()).extracting(ValidationGates.Gate::name)
                .containsExactly("not-worse-than-champion");
    }

    @Test
    void aFeatureOutOfItsRangeFailsTheRangeGateAndAHoldoutOfOneClassTheFloor() {
        List<FeatureValidation.Check> bad = List.of(new FeatureValidation.Check("rate", "range", "fail", 1, "0..2 (allowed 0..1)"));
        assertThat(ValidationGates.decide(0.9, OptionalDouble.empty(), 0.65, 0.02, bad))
                .filteredOn(g -> !g.passed()).extracting(ValidationGates.Gate::name).containsExactly("feature-ranges");
        assertThat(ValidationGates.decide(Double.NaN, OptionalDouble.empty(), 0.65, 0.02, CLEAN).get(0).passed()).isFalse();
    }

    @Test
    void featureChecksFindEmptyColumnsValuesOutOfRangeAndDrift() {
        List<FeatureValidation.FeatureSpec> specs = List.of(new FeatureValidation.FeatureSpec("empty", 0, 10),
                new FeatureValidation.FeatureSpec("rate", 0, 1), new FeatureValidation.FeatureSpec("moved", 0, 1000));
        float nan = Float.NaN;
        float[][] train = {{nan, nan, nan, nan}, {0.1f, 0.2f, 1.5f, 0.3f}, {1, 2, 3, 4}};
        float[][] holdout = {{nan, nan}, {0.2f, 0.3f}, {400, 500}};
        List<FeatureValidation.Check> checks = FeatureValidation.check(specs, train, holdout);
        assertThat(checks).filteredOn(c -> c.status().equals("fail")).extracting(c -> c.feature() + "." + c.check())
                .containsExactlyInAnyOrder("empty.nulls", "rate.range");
        assertThat(checks).filteredOn(c -> c.status().equals("warn")).extracting(c -> c.feature() + "." + c.check())
                .contains("moved.drift");
    }

    @Test
    void psiOfTheSameDistributionIsNearZero() {
        java.util.Random random = new java.util.Random(1);
        float[] a = new float[5000];
        float[] b = new float[5000];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        assertThat(FeatureValidation.psi(a, b)).isCloseTo(0, within(0.02));
    }
}
