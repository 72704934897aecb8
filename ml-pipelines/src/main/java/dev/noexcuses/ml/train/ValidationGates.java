package dev.noexcuses.ml.train;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Whether a trained model may become the challenger: its holdout AUC is at least the floor, it is not worse than the
 * current champion's AUC on the same holdout by more than the tolerance, and its features stayed within their ranges.
 * Each gate is recorded with the version (the registry's guarded promotion asks that all passed).
 */
public final class ValidationGates {
    public static final String AUC_FLOOR = "auc-floor";
    public static final String NOT_WORSE_THAN_CHAMPION = "not-worse-than-champion";
    public static final String FEATURE_RANGES = "feature-ranges";

    private ValidationGates() {}

    /** One gate's verdict, with the numbers it compared. */
    public record Gate(String name, boolean passed, String detail) {}

    public static List<Gate> decide(double auc, OptionalDouble championAuc, double floor, double tolerance,
                                    List<FeatureValidation.Check> checks) {
        Gate aucFloor = new Gate(AUC_FLOOR, auc >= floor, String.format(Locale.ROOT, "holdout AUC %.4f %s floor %.4f", auc,
                auc >= floor ? ">=" : "<", floor));
        Gate champion;
        if (championAuc.isEmpty()) {
            champion = new Gate(NOT_WORSE_THAN_CHAMPION, true, "no champion yet");
        } else {
            double c = championAuc.getAsDouble();
            boolean ok = auc >= c - tolerance;
            champion = new Gate(NOT_WORSE_THAN_CHAMPION, ok, String.format(Locale.ROOT,
                    "holdout AUC %.4f %s champion's %.4f - tolerance %.4f", auc, ok ? ">=" : "<", c, tolerance));
        }
        List<String> outOfRange = checks.stream().filter(c -> c.check().equals("range") && c.status().equals("fail"))
                .map(c -> c.feature() + " " + c.detail()).toList();
        Gate ranges = new Gate(FEATURE_RANGES, outOfRange.isEmpty(), outOfRange.isEmpty()
                ? "every feature within its range" : "out of range: " + String.join("; ", outOfRange));
        if (Double.isNaN(auc)) {
            aucFloor = new Gate(AUC_FLOOR, false, "no AUC: the holdout has only one class");
        }
        return List.of(aucFloor, champion, ranges);
    }

    public static boolean allPassed(List<Gate> gates) {
        return gates.stream().allMatch(Gate::passed);
    }
}
