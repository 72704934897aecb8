package dev.noexcuses.serving.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.experiments.statistics.Comparison;
import dev.noexcuses.serving.experiments.statistics.ProportionTest;
import dev.noexcuses.serving.experiments.statistics.SampleSize;
import dev.noexcuses.serving.experiments.statistics.SequentialTest;
import dev.noexcuses.serving.experiments.statistics.Summary;
import dev.noexcuses.serving.experiments.statistics.WelchTest;
import java.time.Instant;
import java.util.Map;

/**
 * The report of an experiment from its arms' outcomes: samples against the planned sample size, the
 * metric's difference with its confidence interval and fixed-horizon p-value, the always-valid
 * sequential test (mSPRT), the guardrails, and the verdict. A report read before the planned end
 * (a peek) is decided by the sequential test only: the fixed-horizon p-value is shown but not used,
 * because checking it at every look inflates false positives (docs/ab-testing.md has the numbers).
 */
final class ExperimentReport {
    /** Verdicts: which arm is better on the metric, by which test, and whether the guardrails hold. */
    enum Winner { TREATMENT, CONTROL, NONE }

    /** What the controller needs from a report: the verdict and the JSON a user reads. */
    record Result(Winner winner, boolean guardrailsPassed, ObjectNode json) {}

    private ExperimentReport() {}

    static Result build(ExperimentSpec spec, ExperimentRecord record, Map<String, ArmOutcome> outcomes, Instant now) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("experiment", spec.name()).put("model", spec.model()).put("state", record.state())
                .put("metric", spec.metric().label()).put("alpha", spec.alpha())
                .put("minimum_detectable_effect", spec.minimumEffect())
                .put("started_at", record.startedAt().toString()).put("planned_end", record.plannedEnd().toString());
        if (record.decision() != null) {
            out.put("decision", record.decision());
        }
        SampleSize.Plan plan = spec.plan();
        out.putObject("planned_users").put("control", plan.control()).put("treatment", plan.treatment())
                .put("power", spec.power());
        ArmOutcome control = outcomes.get("control");
        ArmOutcome treatment = outcomes.get("treatment");
        if (control == null || treatment == null || control.users() < 2 || treatment.users() < 2) {
            out.put("verdict", "no outcomes yet: the lakehouse job (./platform lakehouse run experiments --date D) "
                    + "has not seen exposed users in both arms");
            return new Result(Winner.NONE, false, out);
        }
        out.put("outcomes_as_of", control.asOf().toString()).put("outcomes_computed_at", control.computedAt().toString());
        var arms = out.putArray("arms");
        for (ArmOutcome a : new ArmOutcome[] {control, treatment}) {
            arms.addObject().put("arm", a.arm())
                    .put("version", a.arm().equals("control") ? record.controlVersion() : record.treatmentVersion())
                    .put("users", a.users()).put("conversions", a.conversions())
                    .put("conversion_rate", (double) a.conversions() / a.users())
                    .put("revenue", a.revenueSum()).put("revenue_per_user", a.revenueSum() / a.users())
                    .put("churn_eligible_users", a.churnEligible()).put("churned", a.churned())
                    .put("churn_rate", a.churnEligible() == 0 ? null : (double) a.churned() / a.churnEligible())
                    .put("requests", a.requests()).put("errors", a.errors())
                    .put("error_rate", a.requests() == 0 ? 0 : (double) a.errors() / a.requests())
                    .put("p99_latency_ms", a.latencyP99Ms());
        }

        boolean reachedSample = control.users() >= plan.control() && treatment.users() >= plan.treatment();
        boolean early = now.isBefore(record.plannedEnd()) && record.running();
        Comparison fixed;
        SequentialTest.Look look;
        long sampleControl;
        long sampleTreatment;
        switch (spec.metric()) {
            case CONVERSION -> {
                fixed = ProportionTest.compare(control.conversions(), control.users(), treatment.conversions(),
                        treatment.users(), spec.alpha());
                look = SequentialTest.proportions(control.conversions(), control.users(), treatment.conversions(),
                        treatment.users(), spec.minimumEffect(), spec.alpha());
                sampleControl = control.users();
                sampleTreatment = treatment.users();
            }
            case CHURN -> {
                if (control.churnEligible() < 2 || treatment.churnEligible() < 2) {
                    out.put("verdict", "no churn outcomes yet: churn is known only for users exposed at least the "
                            + "job's churn window (--churn-days) before its date");
                    return new Result(Winner.NONE, false, out);
                }
                fixed = ProportionTest.compare(control.churned(), control.churnEligible(), treatment.churned(),
                        treatment.churnEligible(), spec.alpha());
                look = SequentialTest.proportions(control.churned(), control.churnEligible(), treatment.churned(),
                        treatment.churnEligible(), spec.minimumEffect(), spec.alpha());
                sampleControl = control.churnEligible();
                sampleTreatment = treatment.churnEligible();
            }
            default -> {
                Summary c = new Summary(control.users(), control.revenueSum(), control.revenueSumOfSquares());
                Summary t = new Summary(treatment.users(), treatment.revenueSum(), treatment.revenueSumOfSquares());
                fixed = WelchTest.compare(c, t, spec.alpha());
                look = SequentialTest.means(c, t, spec.minimumEffect(), spec.alpha());
                sampleControl = control.users();
                sampleTreatment = treatment.users();
            }
        }
        out.putObject("sample").put("control", sampleControl).put("treatment", sampleTreatment)
                .put("planned_reached", reachedSample)
                .put("share_of_plan", Math.min(1.0, Math.min((double) sampleControl / plan.control(),
                        (double) sampleTreatment / plan.treatment())));
        ObjectNode f = out.putObject("fixed_horizon");
        f.put("test", fixed.test()).put("control", fixed.control()).put("treatment", fixed.treatment())
                .put("difference", fixed.difference()).put("relative_difference", nanToNull(fixed.relativeDifference()))
                .put("ci_lower", fixed.lower()).put("ci_upper", fixed.upper()).put("confidence", 1 - spec.alpha())
                .put("statistic", fixed.statistic()).put("p_value", fixed.pValue())
                .put("significant", fixed.significant(spec.alpha()));
        ObjectNode s = out.putObject("sequential");
        s.put("test", "mSPRT (normal mixture, tau = minimum detectable effect)").put("likelihood_ratio", look.likelihoodRatio())
                .put("threshold", 1 / spec.alpha()).put("always_valid_p_value", look.pValue())
                .put("ci_lower", look.lower()).put("ci_upper", look.upper()).put("significant", look.significant());

        boolean significant = early ? look.significant() : fixed.significant(spec.alpha());
        out.put("decided_by", early ? "sequential" : "fixed_horizon");
        out.put("peeking", early
                ? "read before the planned end: decided by the always-valid sequential test; the fixed-horizon p-value "
                  + "is shown for information and is not valid for a decision now"
                : "read at or after the planned end: decided by the fixed-horizon test"
                  + (reachedSample ? "" : " (the planned sample was NOT reached: power is lower than planned)"));

        Winner winner = Winner.NONE;
        if (significant) {
            boolean treatmentHigher = fixed.difference() > 0;
            winner = treatmentHigher == spec.metric().higherIsBetter() ? Winner.TREATMENT : Winner.CONTROL;
        }

        // Guardrails: the treatment's error rate not significantly higher, its p99 latency within the ratio.
        var guards = out.putArray("guardrails");
        double errorP = ProportionTest.higherPValue(control.errors(), control.requests(), treatment.errors(),
                treatment.requests());
        boolean errorsOk = errorP >= spec.guardrails().alpha();
        guards.addObject().put("guardrail", "error_rate")
                .put("control", control.requests() == 0 ? 0 : (double) control.errors() / control.requests())
                .put("treatment", treatment.requests() == 0 ? 0 : (double) treatment.errors() / treatment.requests())
                .put("p_value_treatment_higher", errorP).put("alpha", spec.guardrails().alpha()).put("passed", errorsOk);
        boolean latencyKnown = control.latencyP99Ms() > 0 && treatment.latencyP99Ms() > 0;
        double ratio = latencyKnown ? treatment.latencyP99Ms() / control.latencyP99Ms() : Double.NaN;
        boolean latencyOk = !latencyKnown || ratio <= spec.guardrails().maxP99Ratio();
        guards.addObject().put("guardrail", "p99_latency_ms").put("control", control.latencyP99Ms())
                .put("treatment", treatment.latencyP99Ms()).put("ratio", nanToNull(ratio))
                .put("max_ratio", spec.guardrails().maxP99Ratio()).put("passed", latencyOk);
        boolean guardrailsOk = errorsOk && latencyOk;

        String verdict = switch (winner) {
            case TREATMENT -> "treatment (version " + record.treatmentVersion() + ") is better on " + spec.metric().label()
                    + (guardrailsOk ? "" : ", but a guardrail failed: it is not handed over");
            case CONTROL -> "control (version " + record.controlVersion() + ") is better on " + spec.metric().label();
            case NONE -> early ? "no difference proven yet: keep running (peeking is safe, the sequential test decides)"
                    : "no significant difference on " + spec.metric().label() + ": control is kept";
        };
        out.put("winner", winner.name().toLowerCase(java.util.Locale.ROOT)).put("guardrails_passed", guardrailsOk)
                .put("verdict", verdict);
        return new Result(winner, guardrailsOk, out);
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }
}
