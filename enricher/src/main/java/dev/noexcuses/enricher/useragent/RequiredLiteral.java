package dev.noexcuses.enricher.useragent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Plain text every match of a regular expression contains: {@code "Chrome"} for {@code (Chrome)/(\d+)\.(\d+)},
 * or one of {@code "Firefox"} and {@code "Iceweasel"} for {@code (Firefox|Iceweasel)/}. A text without it cannot
 * match, so the expression need not run. Read conservatively from the expression's source: optional parts,
 * lookarounds, character classes and alternatives with an empty branch never count, and an expression with
 * constructs this reader does not know (inline flags, {@code \Q}, hexadecimal or named escapes) requires nothing.
 */
final class RequiredLiteral {
    private final String regex;
    private int pos;

    private RequiredLiteral(String regex) {
        this.regex = regex;
    }

    /**
     * The most selective requirement of {@code regex}, if it has one: texts one of which every match contains
     * (a single text when there is no alternative). ASCII only, so that case folding is plain.
     */
    static Optional<List<String>> in(String regex) {
        RequiredLiteral reader = new RequiredLiteral(regex);
        List<List<String>> required;
        try {
            required = reader.sequence();
        } catch (Unsupported e) {
            return Optional.empty();
        }
        if (reader.pos != regex.length()) {
            return Optional.empty();
        }
        return best(required.stream().filter(any -> any.stream().allMatch(t -> t.chars().allMatch(c -> c < 128))).toList());
    }

    /**
     * Text of the agents most traffic comes from: a requirement met by it filters little, as every browser
     * sends "Mozilla/5.0", "AppleWebKit" or "Build".
     */
    private static final String COMMON = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) (Macintosh; Intel Mac OS X 10_15_7)"
            + " (X11; Linux x86_64) (Linux; Android 10; K Build/QP1A) (iPhone; CPU iPhone OS 17_4 like Mac OS X)"
            + " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Version/17.4"
            + " Mobile/15E148 Safari/604.1 Gecko/20100101 Firefox/133.0";

    /**
     * The requirement that rules out most agents for least work: one no common agent meets first, then
     * longer texts (up to eight characters), then fewer alternatives.
     */
    private static Optional<List<String>> best(List<List<String>> required) {
        return required.stream().max(Comparator.<List<String>, Boolean>comparing(
                        any -> any.stream().noneMatch(COMMON::contains))
                .thenComparingInt(any -> any.stream().mapToInt(t -> Math.min(8, t.length())).min().orElse(0))
                .thenComparing(Comparator.<List<String>>comparingInt(List::size).reversed()));
    }

    /**
     * What a sequence (up to an unmatched ')' or the end) requires, each entry texts one of which must be
     * there. A sequence with alternatives requires one of its branches' best texts, or nothing when a branch
     * requires nothing.
     */
    private List<List<String>> sequence() {
        List<List<String>> required = new ArrayList<>();
        List<String> branches = new ArrayList<>();
        boolean alternatives = false;
        boolean branchWithout = false;
        StringBuilder run = new StringBuilder();
        while (pos < regex.length()) {
            char c = regex.charAt(pos);
            if (c == ')') {
                break;
            }
            if (c == '|') {
                alternatives = true;
                pos++;
                flush(run, required);
                branchWithout |= !addBranch(required, branches);
                required = new ArrayList<>();
            } else if (c == '(') {
                flush(run, required);
                group(required);
            } else if (c == '[') {
                flush(run, required);
                skipClass();
                quantifier();
            } else if (c == '\\') {
                escape(run, required);
            } else if (c == '.' || c == '^' || c == '$') {
                flush(run, required);
                pos++;
                quantifier();
            } else if (c == '?' || c == '*' || c == '+' || c == '{') {
                throw new Unsupported();
            } else {
                pos++;
                literal(c, run, required);
            }
        }
        flush(run, required);
        if (!alternatives) {
            return required;
        }
        branchWithout |= !addBranch(required, branches);
        return branchWithout ? List.of() : List.of(List.copyOf(branches));
    }

    /** Adds a branch's best requirement to the alternatives; false when the branch requires nothing. */
    private static boolean addBranch(List<List<String>> branch, List<String> alternatives) {
        Optional<List<String>> best = best(branch);
        best.ifPresent(alternatives::addAll);
        return best.isPresent();
    }

    private void group(List<List<String>> required) {
        pos++;
        boolean counts = true;
        if (regex.startsWith("?:", pos) || regex.startsWith("?>", pos)) {
            pos += 2;
        } else if (regex.startsWith("?=", pos) || regex.startsWith("?!", pos)) {
            pos += 2;
            counts = false;
        } else if (regex.startsWith("?<=", pos) || regex.startsWith("?<!", pos)) {
            pos += 3;
            counts = false;
        } else if (regex.startsWith("?<", pos)) {
            int end = regex.indexOf('>', pos);
            if (end < 0) {
                throw new Unsupported();
            }
            pos = end + 1;
        } else if (regex.startsWith("?", pos)) {
            // Inline flags change how the rest matches.
            throw new Unsupported();
        }
        List<List<String>> inner = sequence();
        if (pos >= regex.length() || regex.charAt(pos) != ')') {
            throw new Unsupported();
        }
        pos++;
        boolean optional = quantifier();
        if (counts && !optional) {
            required.addAll(inner);
        }
    }

    private void escape(StringBuilder run, List<List<String>> required) {
        if (pos + 1 >= regex.length()) {
            throw new Unsupported();
        }
        char e = regex.charAt(pos + 1);
        pos += 2;
        if (Character.isLetterOrDigit(e)) {
            // \d, \s, \w, \b, back references...: not plain text. Escapes with arguments are not read.
            if ("pPxuckQEN0".indexOf(e) >= 0) {
                throw new Unsupported();
            }
            flush(run, required);
            quantifier();
        } else {
            literal(e, run, required);
        }
    }

    /** A plain character: part of the current run unless a quantifier makes it optional or repeatable. */
    private void literal(char c, StringBuilder run, List<List<String>> required) {
        if (pos < regex.length() && "?*+{".indexOf(regex.charAt(pos)) >= 0) {
            if (!quantifier()) {
                run.append(c);
            }
            flush(run, required);
        } else {
            run.append(c);
        }
    }

    /** Reads a quantifier at {@code pos}, if there is one; true when it allows zero repetitions. */
    private boolean quantifier() {
        if (pos >= regex.length()) {
            return false;
        }
        char q = regex.charAt(pos);
        boolean optional;
        if (q == '?' || q == '*') {
            optional = true;
            pos++;
        } else if (q == '+') {
            optional = false;
            pos++;
        } else if (q == '{') {
            int end = regex.indexOf('}', pos);
            if (end < 0) {
                throw new Unsupported();
            }
            String bounds = regex.substring(pos + 1, end);
            String least = bounds.contains(",") ? bounds.substring(0, bounds.indexOf(',')) : bounds;
            if (!least.matches("\\d+")) {
                throw new Unsupported();
            }
            optional = Integer.parseInt(least) == 0;
            pos = end + 1;
        } else {
            return false;
        }
        // Lazy and possessive forms.
        if (pos < regex.length() && (regex.charAt(pos) == '?' || regex.charAt(pos) == '+')) {
            pos++;
        }
        return optional;
    }

    private void skipClass() {
        int depth = 0;
        while (pos < regex.length()) {
            char c = regex.charAt(pos);
            if (c == '\\') {
                pos += 2;
                continue;
            }
            pos++;
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return;
            }
        }
        throw new Unsupported();
    }

    private static void flush(StringBuilder run, List<List<String>> required) {
        if (!run.isEmpty()) {
            required.add(List.of(run.toString()));
            run.setLength(0);
        }
    }

    /** A construct this reader does not interpret: the expression then has no required literal. */
    private static final class Unsupported extends RuntimeException {
        Unsupported() {
            super(null, null, false, false);
        }
    }
}
