package dev.noexcuses.lakehouse.jobs;

/**
 * One check's result for one day. A failed check of severity {@code error} stops the day's
 * downstream jobs; a failed {@code warn} check is recorded as {@code warn} and lets them run.
 */
public record QualityCheck(String table, String name, Severity severity, boolean passed, String observed, String expected,
                           String message) {
    public enum Severity { ERROR, WARN }

    public String status() {
        if (passed) {
            return "pass";
        }
        return severity == Severity.ERROR ? "fail" : "warn";
    }

    public boolean stopsDownstream() {
        return !passed && severity == Severity.ERROR;
    }

    /** {@code values_in_range: 3 rows with price < 0, quantity < 1 or value < 0 (expected 0)} */
    public String describe() {
        return name + ": " + message + " (observed " + observed + ", expected " + expected + ")";
    }
}
