package dev.noexcuses.producers.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HistorySimulatorTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private static List<ObjectNode> all(HistorySimulator h) {
        List<ObjectNode> events = new ArrayList<>();
        for (LocalDate d = h.firstDay(); !d.isAfter(h.lastDay()); d = d.plusDays(1)) {
            events.addAll(h.day(d));
        }
        return events;
    }

    private static String type(ObjectNode e) {
        return e.get("schema").asText().split("/")[1];
    }

    @Test
    void theSameSeedSendsTheSameEvents() {
        List<ObjectNode> a = all(new HistorySimulator(7, "web-shop", 100, Duration.ofDays(5), NOW));
        List<ObjectNode> b = all(new HistorySimulator(7, "web-shop", 100, Duration.ofDays(5), NOW));
        assertThat(a).isNotEmpty().isEqualTo(b);
        assertThat(all(new HistorySimulator(8, "web-shop", 100, Duration.ofDays(5), NOW))).isNotEqualTo(a);
    }

    @Test
    void historyAndLiveTrafficOnTheSameSeedNeverShareAnEventId() {
        // The demo sends both from one seed: a shared id would make two different events one.
        List<ObjectNode> history = all(new HistorySimulator(42, "web-shop", 200, Duration.ofDays(3), NOW));
        WebShopSimulator live = new WebShopSimulator(42, "web-shop", 200, 0, 0);
        java.util.Set<String> liveIds = new java.util.HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            liveIds.add(live.next().event().get("event_id").asText());
        }
        assertThat(history).hasSizeGreaterThan(500);
        assertThat(history).extracting(e -> e.get("event_id").asText()).doesNotContainAnyElementsOf(liveIds);
    }

    @Test
    void coversTheDaysUpToNowInTimeOrder() {
        HistorySimulator h = new HistorySimulator(1, "web-shop", 200, Duration.ofDays(30), NOW);
        assertThat(h.firstDay()).isEqualTo(LocalDate.parse("2026-11-01"));
        assertThat(h.lastDay()).isEqualTo(LocalDate.parse("2026-11-30"));
        assertThat(h.day(h.lastDay())).allMatch(e -> !Instant.parse(e.get("event_time").asText()).isAfter(NOW));
        List<String> times = h.day(LocalDate.parse("2026-11-10")).stream().map(e -> e.get("event_time").asText()).toList();
        assertThat(times).isNotEmpty().isSorted();
    }

    @Test
    void weekendsAreBusierAndFunnelsLoseVisitorsAtEveryStep() {
        HistorySimulator h = new HistorySimulator(3, "web-shop", 1000, Duration.ofDays(28), NOW);
        Map<String, Long> byType = new HashMap<>();
        long weekend = 0;
        long weekday = 0;
        int weekendDays = 0;
        int weekdays = 0;
        for (LocalDate d = h.firstDay(); d.isBefore(h.lastDay()); d = d.plusDays(1)) {
            List<ObjectNode> events = h.day(d);
            if (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY) {
                weekend += events.size();
                weekendDays++;
            } else {
                weekday += events.size();
                weekdays++;
            }
            events.forEach(e -> byType.merge(type(e), 1L, Long::sum));
        }
        assertThat((double) weekend / weekendDays).as("events per weekend day vs weekday")
                .isGreaterThan((double) weekday / weekdays);
        assertThat(byType.get("product_view")).isGreaterThan(byType.get("add_to_cart"));
        assertThat(byType.get("add_to_cart")).isGreaterThan(byType.get("checkout"));
        assertThat(byType.get("checkout")).isGreaterThan(byType.get("purchase"));
        assertThat(byType.get("purchase")).isPositive();
    }

    @Test
    void visitorsBrowseAnonymouslyThenLogInOnTheSameDevice() {
        List<ObjectNode> events = all(new HistorySimulator(5, "web-shop", 300, Duration.ofDays(10), NOW));
        Set<String> seenAnonymous = new HashSet<>();
        Set<String> anonymousBeforeLogin = new HashSet<>();
        for (ObjectNode e : events) {
            String device = e.get("anonymous_id").asText();
            if (type(e).equals("login")) {
                assertThat(e.has("user_id")).isTrue();
                if (seenAnonymous.contains(device)) {
                    anonymousBeforeLogin.add(device);
                }
            } else if (!e.has("user_id")) {
                seenAnonymous.add(device);
            }
        }
        assertThat(anonymousBeforeLogin).as("devices with anonymous events before a login").hasSizeGreaterThan(20);
    }

    @Test
    void someUsersFadeAndStopVisiting() {
        HistorySimulator h = new HistorySimulator(11, "web-shop", 500, Duration.ofDays(30), NOW);
        Map<String, LocalDate> lastSeen = new HashMap<>();
        for (LocalDate d = h.firstDay(); !d.isAfter(h.lastDay()); d = d.plusDays(1)) {
            for (ObjectNode e : h.day(d)) {
                lastSeen.put(e.get("anonymous_id").asText(), d);
            }
        }
        long stoppedEarly = lastSeen.values().stream().filter(d -> d.isBefore(h.lastDay().minusDays(10))).count();
        assertThat(stoppedEarly).as("users not seen in the last 10 days").isGreaterThan(lastSeen.size() / 20);
        assertThat(lastSeen.values().stream().filter(d -> !d.isBefore(h.lastDay().minusDays(2))).count())
                .as("users still active").isGreaterThan(lastSeen.size() / 3);
    }
}
