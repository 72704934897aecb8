package dev.noexcuses.serving.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/** Sticky, accurate and independent assignment, on 200,000 user keys. */
class StickyAssignmentTest {
    private static final int USERS = 200_000;

    @Test
    void theSameUserAlwaysGetsTheSameArm() {
        for (int i = 0; i < 10_000; i++) {
            String user = "u-" + i;
            boolean first = StickyAssignment.inTreatment("exp-a", user, 50);
            for (int again = 0; again < 3; again++) {
                assertThat(StickyAssignment.inTreatment("exp-a", user, 50)).isEqualTo(first);
            }
        }
    }

    @Test
    void splitsUsersAtTheStatedShareByAChiSquareTest() {
        for (int share : new int[] {50, 20, 5}) {
            long treatment = 0;
            for (int i = 0; i < USERS; i++) {
                if (StickyAssignment.inTreatment("split-" + share, "user-" + i, share)) {
                    treatment++;
                }
            }
            double expectedT = USERS * share / 100.0;
            double expectedC = USERS - expectedT;
            double chi2 = sq(treatment - expectedT) / expectedT + sq(USERS - treatment - expectedC) / expectedC;
            double p = 1 - new ChiSquaredDistribution(null, 1).cumulativeProbability(chi2);
            System.out.printf("split %d%%: %d of %d users in treatment (%.3f%%), chi-square %.3f, p = %.3f%n",
                    share, treatment, USERS, 100.0 * treatment / USERS, chi2, p);
            assertThat(p).as("share %d%%: %d in treatment, chi-square %.2f", share, treatment, chi2).isGreaterThan(0.001);
        }
    }

    @Test
    void twoExperimentsWithDifferentSaltsAssignIndependently() {
        long[][] table = new long[2][2];
        for (int i = 0; i < USERS; i++) {
            String user = "user-" + i;
            table[StickyAssignment.inTreatment("exp-one", user, 50) ? 1 : 0][StickyAssignment.inTreatment("exp-two", user, 50) ? 1 : 0]++;
        }
        double chi2 = 0;
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                double expected = (double) (table[r][0] + table[r][1]) * (table[0][c] + table[1][c]) / USERS;
                chi2 += sq(table[r][c] - expected) / expected;
            }
        }
        double p = 1 - new ChiSquaredDistribution(null, 1).cumulativeProbability(chi2);
        System.out.printf("independence of two experiments: %s, chi-square %.3f, p = %.3f%n",
                java.util.Arrays.deepToString(table), chi2, p);
        assertThat(p).as("2x2 table %s", java.util.Arrays.deepToString(table)).isGreaterThan(0.001);
    }

    @Test
    void bucketsCoverTheRangeAndDependOnTheSalt() {
        int same = 0;
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < 50_000; i++) {
            int a = StickyAssignment.bucket("a", "k" + i);
            min = Math.min(min, a);
            max = Math.max(max, a);
            if (a == StickyAssignment.bucket("b", "k" + i)) {
                same++;
            }
        }
        assertThat(min).isZero();
        assertThat(max).isEqualTo(StickyAssignment.BUCKETS - 1);
        // By chance one in 10,000 keys shares its bucket across salts: about 5 of 50,000.
        assertThat(same).isLessThan(30);
    }

    private static double sq(double x) {
        return x * x;
    }
}
