package dev.noexcuses.producers.simulator;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a {@link WebShopSimulator} into an {@link EventClient} at a steady rate until a number of
 * events or a duration is reached, printing progress once a second.
 */
public final class SimulationRun {
    /** What a run sent and what the collector answered, by event id. */
    public record Summary(long generated, Map<WebShopSimulator.Kind, Long> byKind, long accepted, long rejected,
                          long failed, Set<String> acceptedIds, Set<String> rejectedIds, Duration elapsed) {}

    private final WebShopSimulator simulator;
    private final EventClient client;
    private final PrintStream progress;
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean stopRequested;

    public SimulationRun(WebShopSimulator simulator, EventClient client, PrintStream progress) {
        this.simulator = requireNonNull(simulator, "simulator is null");
        this.client = requireNonNull(client, "client is null");
        this.progress = progress;
    }

    /**
     * @param maxEvents stop after this many events (0: no limit)
     * @param maxDuration stop after this long (null: no limit)
     * @param ratePerSecond events per second (0: as fast as the client takes them)
     */
    public Summary run(long maxEvents, Duration maxDuration, double ratePerSecond) {
        if (maxEvents <= 0 && maxDuration == null) {
            throw new IllegalArgumentException("A run needs an event count or a duration");
        }
        long start = System.nanoTime();
        long end = maxDuration == null ? Long.MAX_VALUE : start + maxDuration.toNanos();
        Map<WebShopSimulator.Kind, Long> byKind = new EnumMap<>(WebShopSimulator.Kind.class);
        Set<String> acceptedIds = ConcurrentHashMap.newKeySet();
        Set<String> rejectedIds = ConcurrentHashMap.newKeySet();
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<CompletableFuture<Delivery>> outstanding = new ArrayList<>();
        long generated = 0;
        long nextReport = start + 1_000_000_000L;
        while ((maxEvents <= 0 || generated < maxEvents) && System.nanoTime() < end && !stopRequested) {
            if (ratePerSecond > 0) {
                long due = start + (long) (generated * 1e9 / ratePerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    sleepNanos(wait);
                }
            }
            WebShopSimulator.Generated g = simulator.next();
            byKind.merge(g.kind(), 1L, Long::sum);
            generated++;
            outstanding.add(client.send(g.event(), g.visitor()).whenComplete((d, t) -> {
                if (d == null) {
                    failed.incrementAndGet();
                    return;
                }
                if (d.outcome() != Delivery.Outcome.FAILED) {
                    answered.incrementAndGet();
                }
                switch (d.outcome()) {
                    case ACCEPTED -> { accepted.incrementAndGet(); if (d.eventId() != null) acceptedIds.add(d.eventId()); }
                    case REJECTED -> { rejected.incrementAndGet(); if (d.eventId() != null) rejectedIds.add(d.eventId()); }
                    case FAILED -> failed.incrementAndGet();
                }
            }));
            if (outstanding.size() > 10_000) {
                outstanding.removeIf(CompletableFuture::isDone);
            }
            if (progress != null && System.nanoTime() >= nextReport) {
                nextReport += 1_000_000_000L;
                double secs = (System.nanoTime() - start) / 1e9;
                progress.printf("  sent %,d events (%.0f/s): accepted %,d, rejected %,d, failed %,d%n",
                        generated, generated / secs, accepted.get(), rejected.get(), failed.get());
            }
        }
        client.flush();
        CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new)).join();
        return new Summary(generated, byKind, accepted.get(), rejected.get(), failed.get(), Set.copyOf(acceptedIds),
                Set.copyOf(rejectedIds), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Ends a run under way after the current event; {@link #run} then waits for the answers and returns. */
    public void stop() {
        stopRequested = true;
    }

    /** Events the collector has answered (accepted or rejected) so far: the progress of a run under way. */
    public long answered() {
        return answered.get();
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
