package dev.noexcuses.serving.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.experiments.statistics.ProportionTest;
import dev.noexcuses.serving.experiments.statistics.SequentialTest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The report on simulated experiments, seeded and bounded: it finds a planted effect, it declares
 * significance on experiments without one at about alpha or less, and checking at every look is safe
 * with the sequential test where the fixed-horizon p-value would inflate false positives. The figures
 * printed here are the ones in docs/ab-testing.md.
 */
class ExperimentSimulationTest {
    private static final Config CONFIG = PlatformConfig.defaults(Map.of());
    private static final double ALPHA = 0.05;

    /** A spec of the defaults: conversion, baseline 10%, minimum effect 2 points, alpha 0.05, power 0.8, 50/50. */
    private static ExperimentSpec spec(String metric, String extra) {
        return ExperimentSpec.parse("name = sim, model = churn, treatment { version = \"2\", model-file = \"/m.json\" }, "
                + "metric = " + metric + ", " + extra, CONFIG);
    }

    private static ExperimentRecord record(ExperimentSpec spec, Instant plannedEnd) {
        return new ExperimentRecord(spec.name(), spec.model(), Json.mapper().createObjectNode(), "running", "1", "2", 1L,
                plannedEnd.minus(14, ChronoUnit.DAYS), plannedEnd, null, null, Json.mapper().createObjectNode());
    }

    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final ExperimentRecord AT_END = record(spec("conversion", ""), NOW.minusSeconds(1));
    private static final ExperimentRecord EARLY = record(spec("conversion", ""), NOW.plus(7, ChronoUnit.DAYS));

    private static ArmOutcome conversions(String arm, long users, long converted) {
        return new ArmOutcome("sim", arm, LocalDate.parse("2026-11-30"), users, converted, 0, 0, 0, 0, users, 0, 10, NOW);
    }

    private static long binomial(SplittableRandom random, long n, double p) {
        long x = 0;
        for (long i = 0; i < n; i++) {
            if (random.nextDouble() < p) {
                x++;
            }
        }
        return x;
    }

    @Test
    void findsAPlantedConversionLiftAndHandsOverTheTreatment() {
        ExperimentSpec spec = spec("conversion", "");
        long n = spec.plan().control();
        SplittableRandom random = new SplittableRandom(42);
        // Planted: 10% -> 13%, a bit more than the minimum effect, at the planned sample.
        var outcomes = Map.of("control", conversions("control", n, binomial(random, n, 0.10)),
                "treatment", conversions("treatment", n, binomial(random, n, 0.13)));

        ExperimentReport.Result atEnd = ExperimentReport.build(spec, AT_END, outcomes, NOW);
        ExperimentReport.Result early = ExperimentReport.build(spec, EARLY, outcomes, NOW);

        JsonNode fixed = atEnd.json().path("fixed_horizon");
        System.out.println("planted 10% -> 13% at n = " + n + " per arm: " + fixed + " sequential " + atEnd.json().path("sequential"));
        assertThat(atEnd.winner()).isEqualTo(ExperimentReport.Winner.TREATMENT);
        assertThat(atEnd.guardrailsPassed()).isTrue();
        assertThat(atEnd.json().path("decided_by").asText()).isEqualTo("fixed_horizon");
        assertThat(fixed.path("ci_lower").asDouble()).isGreaterThan(0);
        assertThat(fixed.path("ci_upper").asDouble()).isGreaterThan(0.03);
        // Looked at a week early, the sequential test decides, and the peek is said.
        assertThat(early.json().path("decided_by").asText()).isEqualTo("sequential");
        assertThat(early.json().path("peeking").asText()).contains("always-valid sequential test");
        assertThat(early.winner()).isEqualTo(ExperimentReport.Winner.TREATMENT);
    }

    @Test
    void findsAPlantedRevenueDropWithWelchsTestAndKeepsControl() {
        ExperimentSpec spec = spec("revenue_per_user", "baseline = 5, stddev = 25, minimum-detectable-effect = 1.5");
        int n = (int) spec.plan().control();
        SplittableRandom random = new SplittableRandom(7);
        // Revenue per user: most users buy nothing, buyers spend a long-tailed amount. Treatment buyers spend 30% less.
        double[] sums = new double[4];
        for (int arm = 0; arm < 2; arm++) {
            for (int i = 0; i < n; i++) {
                double r = random.nextDouble() < 0.1 ? Math.exp(3.6 + 0.8 * StatisticsTest.gaussian(random)) * (arm == 1 ? 0.7 : 1) : 0;
                sums[2 * arm] += r;
                sums[2 * arm + 1] += r * r;
            }
        }
        var outcomes = Map.of(
                "control", new ArmOutcome("sim", "control", LocalDate.parse("2026-11-30"), n, 0, sums[0], sums[1], 0, 0, n, 0, 10, NOW),
                "treatment", new ArmOutcome("sim", "treatment", LocalDate.parse("2026-11-30"), n, 0, sums[2], sums[3], 0, 0, n, 0, 10, NOW));

        ExperimentReport.Result r = ExperimentReport.build(spec, record(spec, NOW.minusSeconds(1)), outcomes, NOW);

        System.out.println("planted revenue drop of 30% among buyers at n = " + n + ": " + r.json().path("fixed_horizon"));
        assertThat(r.json().path("fixed_horizon").path("test").asText()).isEqualTo("Welch's t-test");
        assertThat(r.winner()).isEqualTo(ExperimentReport.Winner.CONTROL);
        assertThat(r.json().path("fixed_horizon").path("ci_upper").asDouble()).isLessThan(0);
    }

    @Test
    void withoutAnEffectRepeatedExperimentsDeclareSignificanceAtAboutAlphaOrLess() {
        ExperimentSpec spec = spec("conversion", "");
        int experiments = 1000;
        int n = 4000;
        SplittableRandom random = new SplittableRandom(2026);
        int winners = 0;
        for (int e = 0; e < experiments; e++) {
            var outcomes = Map.of("control", conversions("control", n, binomial(random, n, 0.10)),
                    "treatment", conversions("treatment", n, binomial(random, n, 0.10)));
            if (ExperimentReport.build(spec, AT_END, outcomes, NOW).winner() != ExperimentReport.Winner.NONE) {
                winners++;
            }
        }
        double rate = (double) winners / experiments;
        // Binomial standard error at alpha: sqrt(0.05 * 0.95 / 1000) = 0.0069; three of them is the slack.
        System.out.printf("no effect, %d experiments of %d users per arm: %d declared a winner (%.1f%%, alpha %.0f%%)%n",
                experiments, n, winners, rate * 100, ALPHA * 100);
        assertThat(rate).isLessThanOrEqualTo(ALPHA + 3 * Math.sqrt(ALPHA * (1 - ALPHA) / experiments));
    }

    @Test
    void peekingAtEveryLookInflatesFalsePositivesOfTheFixedTestButNotOfTheSequentialOne() {
        int experiments = 1000;
        int looks = 20;
        int usersPerLook = 500;
        double tau = 0.02;
        SplittableRandom random = new SplittableRandom(99);
        int naive = 0;
        int sequential = 0;
        int onceAtEnd = 0;
        for (int e = 0; e < experiments; e++) {
            long c = 0;
            long t = 0;
            long n = 0;
            boolean naiveHit = false;
            boolean sequentialHit = false;
            double runningMinP = 1;
            for (int look = 0; look < looks; look++) {
                c += binomial(random, usersPerLook, 0.10);
                t += binomial(random, usersPerLook, 0.10);
                n += usersPerLook;
                naiveHit |= ProportionTest.compare(c, n, t, n, ALPHA).pValue() < ALPHA;
                runningMinP = Math.min(runningMinP, SequentialTest.proportions(c, n, t, n, tau, ALPHA).pValue());
                sequentialHit |= runningMinP < ALPHA;
            }
            if (ProportionTest.compare(c, n, t, n, ALPHA).pValue() < ALPHA) {
                onceAtEnd++;
            }
            naive += naiveHit ? 1 : 0;
            sequential += sequentialHit ? 1 : 0;
        }
        double slack = 3 * Math.sqrt(ALPHA * (1 - ALPHA) / experiments);
        System.out.printf("no effect, %d experiments, %d looks of %d users per arm: fixed-horizon test once at the end %.1f%%, "
                        + "fixed-horizon test at every look %.1f%%, sequential (mSPRT, tau %.2f) at every look %.1f%%%n",
                experiments, looks, usersPerLook, 100.0 * onceAtEnd / experiments, 100.0 * naive / experiments, tau,
                100.0 * sequential / experiments);
        assertThat((double) onceAtEnd / experiments).isLessThanOrEqualTo(ALPHA + slack);
        assertThat((double) naive / experiments).as("peeking without correction").isGreaterThan(2 * ALPHA);
        assertThat((double) sequential / experiments).as("peeking with the sequential test").isLessThanOrEqualTo(ALPHA + slack);
    }

    @Test
    void theSequentialTestStillFindsARealEffectWhenPeekedAtAndSaysHowOften() {
        int experiments = 300;
        int looks = 20;
        int usersPerLook = 500;
        SplittableRandom random = new SplittableRandom(1234);
        int found = 0;
        int fixedAtEnd = 0;
        long usersAtDecision = 0;
        for (int e = 0; e < experiments; e++) {
            long c = 0;
            long t = 0;
            long n = 0;
            for (int look = 0; look < looks; look++) {
                c += binomial(random, usersPerLook, 0.10);
                t += binomial(random, usersPerLook, 0.12);
                n += usersPerLook;
                if (SequentialTest.proportions(c, n, t, n, 0.02, ALPHA).significant()) {
                    found++;
                    usersAtDecision += n;
                    break;
                }
            }
            long cEnd = c;
            long tEnd = t;
            // The fixed test at the same final size (the experiment went on to the end).
            for (long m = n; m < (long) looks * usersPerLook; m += usersPerLook) {
                cEnd += binomial(random, usersPerLook, 0.10);
                tEnd += binomial(random, usersPerLook, 0.12);
            }
            if (ProportionTest.compare(cEnd, (long) looks * usersPerLook, tEnd, (long) looks * usersPerLook, ALPHA).pValue() < ALPHA) {
                fixedAtEnd++;
            }
        }
        System.out.printf("planted 10%% -> 12%%, %d experiments, up to %d looks of %d users per arm: sequential found it in "
                        + "%.1f%% (at %,.0f users per arm on average), the fixed-horizon test at %d users per arm in %.1f%%%n",
                experiments, looks, usersPerLook, 100.0 * found / experiments, found == 0 ? 0 : (double) usersAtDecision / found,
                looks * usersPerLook, 100.0 * fixedAtEnd / experiments);
        assertThat((double) found / experiments).isGreaterThan(0.7);
        assertThat((double) fixedAtEnd / experiments).isGreaterThan(0.9);
    }
}
