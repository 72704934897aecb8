package dev.noexcuses.alerting;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.alerting.notify.NotificationChannel;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.rule.Observation;
import dev.noexcuses.alerting.search.RuleQueries;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.alerting.state.PendingNotification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One evaluation: every rule's query at the clock's instant, the alerts moved accordingly (with their
 * notifications written) in one transaction, then the outbox delivered. The clock is injected, so an
 * evaluation "ten minutes later" needs no ten-minute wait.
 */
public final class AlertEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(AlertEvaluator.class);

    /** What one evaluation did: rules whose query failed (with why), and notifications delivered. */
    public record Evaluation(Instant at, boolean evaluated, Map<String, String> failedRules, int delivered) {
        public Evaluation {
            failedRules = Map.copyOf(failedRules);
        }
    }

    private final List<AlertRule> rules;
    private final RuleQueries queries;
    private final AlertStore store;
    private final Map<String, NotificationChannel> channels;
    private final Duration giveUpAfter;
    private final Clock clock;
    private volatile Evaluation last;

    public AlertEvaluator(List<AlertRule> rules, RuleQueries queries, AlertStore store, List<NotificationChannel> channels,
                          Duration giveUpAfter, Clock clock) {
        this.rules = List.copyOf(rules);
        this.queries = requireNonNull(queries, "queries is null");
        this.store = requireNonNull(store, "store is null");
        this.channels = channels.stream().collect(Collectors.toMap(NotificationChannel::name, Function.identity(),
                (a, b) -> {
                    throw new IllegalArgumentException("Two alerting channels are named " + a.name());
                }, LinkedHashMap::new));
        this.giveUpAfter = requireNonNull(giveUpAfter, "giveUpAfter is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public synchronized Evaluation evaluate() {
        Instant now = clock.instant();
        Map<AlertRule, List<Observation>> observed = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (AlertRule rule : rules) {
            try {
                observed.put(rule, queries.observe(rule, now));
            } catch (RuntimeException e) {
                // Its alerts stay as they are: a query that failed says nothing about the data.
                failed.put(rule.name(), String.valueOf(e.getMessage()));
                LOG.warn("Alert rule {} could not be evaluated: {}", rule.name(), e.getMessage());
            }
        }
        boolean evaluated = store.record(observed, now, List.copyOf(channels.keySet()));
        int delivered = store.deliver(this::send, now, giveUpAfter);
        last = new Evaluation(now, evaluated, failed, delivered);
        return last;
    }

    private Optional<String> send(PendingNotification n) {
        NotificationChannel channel = channels.get(n.channel());
        if (channel == null) {
            return Optional.of("No channel " + n.channel() + " is configured any more");
        }
        try {
            channel.send(n.id().toString(), n.payload());
            return Optional.empty();
        } catch (Exception e) {
            LOG.warn("Notification {} to {} not delivered (try {}): {}", n.id(), n.channel(), n.attempts() + 1, e.toString());
            return Optional.of(e.toString());
        }
    }

    public List<AlertRule> rules() {
        return rules;
    }

    /** The latest evaluation, or null before the first. */
    public Evaluation last() {
        return last;
    }
}
