/**
 * The statistics of A/B experiments, in plain Java over the distributions of commons-math3: the
 * two-proportion z-test, Welch's t-test, confidence intervals of the difference, sample sizes and the
 * always-valid sequential test (mSPRT) that makes looking early safe.
 */
package dev.noexcuses.serving.experiments.statistics;
