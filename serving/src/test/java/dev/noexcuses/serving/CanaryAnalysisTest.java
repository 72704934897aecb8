package dev.noexcuses.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.noexcuses.serving.analysis.CanaryAnalysis;
import dev.noexcuses.serving.analysis.CanaryAnalysis.Outcome;
import dev.noexcuses.serving.gateway.VersionStats;
import org.junit.jupiter.api.Test;

class CanaryAnalysisTest {
    private static final CanaryAnalysis.Thresholds THRESHOLDS = new CanaryAnalysis.Thresholds(100, 0.05, 1.5, 5, 0.2);
    private static final long[] EVEN = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};

    private static VersionStats.Window window(long requests, long errors, double p99, long[] bins) {
        return new VersionStats.Window(requests, errors, p99 / 2, p99, bins, requests, errors);
    }

    @Test
    void tooFewRequestsOnEitherSideIsInconclusiveNotAFailure() {
        var verdict = CanaryAnalysis.analyse(window(1000, 0, 10, EVEN), window(40, 40, 10, EVEN), THRESHOLDS);
        assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(verdict.reason()).contains("40 of 100");
    }

    @Test
    void aHigherErrorRateBeyondChanceFailsWithTheTestsPValue() {
        var verdict = CanaryAnalysis.analyse(window(1000, 10, 10, EVEN), window(200, 12, 10, EVEN), THRESHOLDS);
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.reason()).contains("error rate 0.0600 vs baseline 0.0100");
        assertThat((double) verdict.values().get("error_test_p_value")).isLessThan(0.05);
    }

    @Test
    void aSlightlyHigherErrorRateWithinChancePasses() {
        // 1.5% against 1%: on 200 requests, well within chance (p about 0.28).
        var verdict = CanaryAnalysis.analyse(window(1000, 10, 10, EVEN), window(200, 3, 10, EVEN), THRESHOLDS);
        assertThat(verdict.outcome()).isEqualTo(Outcome.PASS);
        assertThat(CanaryAnalysis.errorRateWorsePValue(10, 1000, 3, 200)).isCloseTo(0.28, within(0.03));
    }

    @Test
    void aSlowerP99ThanAllowedFails() {
        var verdict = CanaryAnalysis.analyse(window(1000, 0, 10, EVEN), window(200, 0, 21, EVEN), THRESHOLDS);
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.reason()).contains("p99 latency 21.0 ms > allowed 20.0 ms");
    }

    @Test
    void shiftedScoresFailOnDriftAndTheSameDistributionDoesNot() {
        long[] high = {0, 0, 0, 0, 0, 5, 10, 20, 30, 35};
        long[] low = {35, 30, 20, 10, 5, 0, 0, 0, 0, 0};
        assertThat(CanaryAnalysis.psi(high, high)).isZero();
        var verdict = CanaryAnalysis.analyse(window(1000, 0, 10, high), window(200, 0, 10, low), THRESHOLDS);
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.reason()).startsWith("prediction drift: PSI");
        assertThat((double) verdict.values().get("psi")).isGreaterThan(1.0);
    }
}
