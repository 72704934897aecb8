package dev.noexcuses.common.text;

/** Reading decimal numbers out of a string without substrings, for the intake's per-event hot paths. */
public final class AsciiDigits {
    private AsciiDigits() {
    }

    /** The ASCII digits of {@code text[from, to)} as an int; -1 when empty, not all digits, or above an int. */
    public static int parse(CharSequence text, int from, int to) {
        if (from >= to) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return (int) value;
    }
}
