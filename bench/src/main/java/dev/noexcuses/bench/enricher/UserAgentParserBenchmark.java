package dev.noexcuses.bench.enricher;

import static dev.noexcuses.bench.Rounds.median;

import dev.noexcuses.enricher.useragent.FilteredUaParser;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * A user-agent cache miss: the enricher's parser ({@link FilteredUaParser}) against ua-parser's own
 * {@link Parser} on the same distinct agents of the simulator's visitors, in the same run. Every agent's
 * answer is checked to be the same from both; each round parses every agent once with each, alternating.
 *
 * <p>Run: {@code ./bench/run user-agents [agents] [rounds]} from the repository root.
 */
public final class UserAgentParserBenchmark {
    private UserAgentParserBenchmark() {}

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> agents = distinctAgents(count);
        Parser reference = new Parser();
        FilteredUaParser filtered = FilteredUaParser.load();
        long differ = agents.stream().filter(a -> !reference.parse(a).equals(filtered.parse(a))).count();
        System.out.printf(Locale.ROOT, "User-agent parsing: %,d distinct agents of the simulator's visitors, %d rounds"
                + " after one warm-up round; answers that differ: %d%n", agents.size(), rounds, differ);
        double[] referenceMicros = new double[rounds];
        double[] filteredMicros = new double[rounds];
        for (int round = 0; round <= rounds; round++) {
            double r = microsPerAgent(reference::parse, agents);
            double f = microsPerAgent(filtered::parse, agents);
            if (round == 0) {
                continue;
            }
            referenceMicros[round - 1] = r;
            filteredMicros[round - 1] = f;
            System.out.printf(Locale.ROOT, "  round %d: ua-parser %.0f µs per agent, filtered %.0f µs (%.1f×)%n", round,
                    r, f, r / f);
        }
        double r = median(referenceMicros);
        double f = median(filteredMicros);
        System.out.println("| parser | µs per agent, median (min–max) | agents per second | ratio to ua-parser |");
        System.out.println("|---|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| ua-parser `Parser` (baseline) | %.0f (%.0f–%.0f) | %,.0f | 1.00 |%n", r,
                min(referenceMicros), max(referenceMicros), 1e6 / r);
        System.out.printf(Locale.ROOT, "| `FilteredUaParser` | %.0f (%.0f–%.0f) | %,.0f | %.2f |%n", f,
                min(filteredMicros), max(filteredMicros), 1e6 / f, r / f);
        if (differ > 0) {
            System.out.println("ANSWERS DIFFER: the filtered parser is wrong for " + differ + " agents");
            System.exit(1);
        }
    }

    private static List<String> distinctAgents(int count) {
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 200_000, 0, 0);
        Set<String> agents = new LinkedHashSet<>();
        for (int i = 0; agents.size() < count && i < 100 * count; i++) {
            agents.add(simulator.next().visitor().userAgent());
        }
        return new ArrayList<>(agents);
    }

    private static double microsPerAgent(Function<String, Client> parse, List<String> agents) {
        long start = System.nanoTime();
        int families = 0;
        for (String agent : agents) {
            families += parse.apply(agent).userAgent.family.length();
        }
        long nanos = System.nanoTime() - start;
        if (families == 0) {
            throw new IllegalStateException("no agent parsed");
        }
        return nanos / 1e3 / agents.size();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
