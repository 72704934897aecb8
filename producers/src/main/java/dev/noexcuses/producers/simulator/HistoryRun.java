package dev.noexcuses.producers.simulator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends a {@link HistorySimulator}'s past traffic through the collector like live traffic, day by
 * day in time order, printing each day's count. A share of events is sent twice (client retries).
 */
public final class HistoryRun {
    /** What was sent per day, and what the collector answered. */
    public record Summary(TreeMap<LocalDate, Long> eventsPerDay, long sent, long accepted, long rejected, long failed,
                          Set<String> acceptedIds, Duration elapsed) {}

    private final HistorySimulator history;
    private final EventClient client;
    private final PrintStream progress;
    private final double duplicateShare;
    private final Random random;

    public HistoryRun(HistorySimulator history, EventClient client, PrintStream progress, double duplicateShare, long seed) {
        this.history = requireNonNull(history, "history is null");
        this.client = requireNonNull(client, "client is null");
        this.progress = progress;
        this.duplicateShare = duplicateShare;
        this.random = new Random(seed ^ 0x5DEECE66DL);
    }

    public Summary run() {
        long start = System.nanoTime();
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Set<String> acceptedIds = ConcurrentHashMap.newKeySet();
        TreeMap<LocalDate, Long> perDay = new TreeMap<>();
        long sent = 0;
        List<CompletableFuture<Delivery>> outstanding = new ArrayList<>();
        for (LocalDate day = history.firstDay(); !day.isAfter(history.lastDay()); day = day.plusDays(1)) {
            List<ObjectNode> events = history.day(day);
            for (ObjectNode event : events) {
                int copies = random.nextDouble() < duplicateShare ? 2 : 1;
                for (int c = 0; c < copies; c++) {
                    sent++;
                    outstanding.add(client.send(c == 0 ? event : event.deepCopy()).whenComplete((d, t) -> {
                        if (d == null) {
                            failed.incrementAndGet();
                            return;
                        }
                        switch (d.outcome()) {
                            case ACCEPTED -> { accepted.incrementAndGet(); if (d.eventId() != null) acceptedIds.add(d.eventId()); }
                            case REJECTED -> rejected.incrementAndGet();
                            case FAILED -> failed.incrementAndGet();
                        }
                    }));
                }
                if (outstanding.size() > 10_000) {
                    outstanding.removeIf(CompletableFuture::isDone);
                }
            }
            perDay.put(day, (long) events.size());
            if (progress != null) {
                progress.printf("  %s %-9s %,7d events (sent so far %,d: accepted %,d, rejected %,d, failed %,d)%n", day,
                        day.getDayOfWeek().toString().substring(0, 3), events.size(), sent, accepted.get(), rejected.get(),
                        failed.get());
            }
        }
        client.flush();
        CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new)).join();
        return new Summary(perDay, sent, accepted.get(), rejected.get(), failed.get(), Set.copyOf(acceptedIds),
                Duration.ofNanos(System.nanoTime() - start));
    }
}
