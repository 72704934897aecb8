package dev.noexcuses.producers.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Past traffic of the web shop, day by day, as a real shop sees it: more visits in the evening
 * and at weekends, users who come back, funnels that lose visitors at every step (product views,
 * cart, checkout, purchase), anonymous visitors who log in and so become known users, users who
 * join during the period, and a share of users whose visits fade and stop, buying less and
 * abandoning carts more in their last weeks. The same seed gives the same events.
 */
public final class HistorySimulator {
    /** Share of users who stop visiting during the period. */
    static final double CHURN_SHARE = 0.25;
    /** Share of users whose first visit falls inside the period (new users). */
    static final double NEW_USER_SHARE = 0.3;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] QUERIES = {"running shoes", "rain jacket", "earbuds", "coffee", "yoga mat",
            "sleeping bag", "merino", "lamp", "chocolate", "puzzle"};
    private static final String[] METHODS = {"password", "google", "apple"};
    private static final String[] PAYMENTS = {"card", "paypal", "invoice"};
    /** Relative visits per hour of day (UTC), low at night, peak in the evening. */
    private static final double[] HOURLY = {0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0,
            1.1, 1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.6};
    /** Relative visits per day of week, Monday first. */
    private static final double[] WEEKLY = {0.9, 0.85, 0.9, 0.95, 1.05, 1.25, 1.2};

    private final Random random;
    private final String source;
    private final LocalDate firstDay;
    private final LocalDate lastDay;
    private final Instant now;
    private final List<User> users = new ArrayList<>();
    private final List<Product> products = Product.catalogue();

    private static final class User {
        final String userId;
        final String anonymousId;
        final double visitsPerDay;
        final LocalDate joins;
        final LocalDate stops;
        boolean remembered;

        User(String userId, String anonymousId, double visitsPerDay, LocalDate joins, LocalDate stops) {
            this.userId = userId;
            this.anonymousId = anonymousId;
            this.visitsPerDay = visitsPerDay;
            this.joins = joins;
            this.stops = stops;
        }
    }

    /** Mixed into the seed so history and live traffic never draw the same numbers. */
    private static final long HISTORY_STREAM = 0x6869_7374_6f72_7931L;

    /**
     * @param history how far back the traffic starts (whole days, ending with today up to {@code now})
     */
    public HistorySimulator(long seed, String source, int users, Duration history, Instant now) {
        if (users < 1) {
            throw new IllegalArgumentException("Invalid users: " + users + ", expected >= 1");
        }
        long days = history.toDays();
        if (days < 1) {
            throw new IllegalArgumentException("Invalid history: " + history + ", expected at least 1 day");
        }
        // Its own stream, not the live simulator's: the demo runs both on one seed, and the same stream
        // would give the same event ids to different events (the lake would then hold one of each pair).
        this.random = new Random(Long.rotateLeft(seed, 29) ^ HISTORY_STREAM);
        this.source = source;
        this.now = now;
        this.lastDay = LocalDate.ofInstant(now, ZoneOffset.UTC);
        this.firstDay = lastDay.minusDays(days - 1);
        for (int i = 0; i < users; i++) {
            String anonymousId = "a-" + new UUID(random.nextLong(), random.nextLong()).toString().substring(0, 13);
            // Log-normal visit rates: most users visit now and then, a few very often.
            double rate = Math.min(3.0, 0.25 * Math.exp(random.nextGaussian() * 0.8));
            LocalDate joins = random.nextDouble() < NEW_USER_SHARE
                    ? firstDay.plusDays(random.nextInt((int) days)) : firstDay.minusDays(1 + random.nextInt(60));
            LocalDate stops = null;
            if (random.nextDouble() < CHURN_SHARE) {
                long after = ChronoUnit.DAYS.between(joins.isBefore(firstDay) ? firstDay : joins, lastDay);
                stops = (joins.isBefore(firstDay) ? firstDay : joins).plusDays(after <= 0 ? 0 : random.nextInt((int) after + 1));
            }
            User u = new User("u-" + i, anonymousId, rate, joins, stops);
            u.remembered = joins.isBefore(firstDay) && random.nextDouble() < 0.5;
            this.users.add(u);
        }
    }

    /** The simulated users' ids, the lake's user keys of their logged-in traffic. */
    public List<String> userIds() {
        return users.stream().map(u -> u.userId).toList();
    }

    public LocalDate firstDay() {
        return firstDay;
    }

    public LocalDate lastDay() {
        return lastDay;
    }

    /** The day's events in time order (today's only up to now). */
    public List<ObjectNode> day(LocalDate day) {
        List<ObjectNode> events = new ArrayList<>();
        Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        double weekly = WEEKLY[day.getDayOfWeek().getValue() - 1];
        for (User u : users) {
            if (day.isBefore(u.joins) || (u.stops != null && !day.isBefore(u.stops))) {
                continue;
            }
            // Fading: in the 14 days before stopping, visits thin out.
            double fade = 1.0;
            if (u.stops != null) {
                long left = ChronoUnit.DAYS.between(day, u.stops);
                fade = left < 14 ? Math.max(0.15, left / 14.0) : 1.0;
            }
            int visits = poisson(u.visitsPerDay * weekly * fade);
            for (int v = 0; v < visits; v++) {
                Instant start = dayStart.plusSeconds(secondOfDay());
                if (start.isAfter(now)) {
                    continue;
                }
                visit(u, start, fade < 1.0, events);
            }
        }
        events.removeIf(e -> Instant.parse(e.get("event_time").asText()).isAfter(now));
        events.sort(Comparator.comparing(e -> e.get("event_time").asText()));
        return events;
    }

    /** One visit: a funnel whose depth falls off, with a login that makes the anonymous visitor known. */
    private void visit(User u, Instant start, boolean fading, List<ObjectNode> out) {
        Visit s = new Visit(u, start, out);
        if (u.remembered) {
            s.known = true;
        }
        s.add("page_view", page("home", "/"));
        if (!s.known && random.nextDouble() < (u.joins.isBefore(firstDay) ? 0.35 : 0.15)) {
            s.add("page_view", page("product", "/p/" + pick().id()));
            s.add("page_view", page("account", "/login"));
            s.add("login", obj().put("method", METHODS[random.nextInt(METHODS.length)]).put("success", true));
            s.known = true;
            u.remembered = random.nextDouble() < 0.6;
        }
        if (random.nextDouble() < (fading ? 0.55 : 0.4)) {
            String q = QUERIES[random.nextInt(QUERIES.length)];
            // Fading users search more and find less.
            s.add("search", obj().put("query", q).put("results", fading ? random.nextInt(5) : random.nextInt(40)));
            s.add("page_view", page("search", "/search?q=" + q.replace(' ', '+')));
        }
        List<Product> cart = new ArrayList<>();
        int views = 1 + random.nextInt(fading ? 3 : 6);
        for (int i = 0; i < views; i++) {
            Product p = pick();
            s.add("page_view", page("product", "/p/" + p.id()));
            s.add("product_view", obj().put("product_id", p.id()).put("url", "/p/" + p.id()));
            if (random.nextDouble() < (fading ? 0.15 : 0.3)) {
                cart.add(p);
                s.add("add_to_cart", obj().put("product_id", p.id()).put("quantity", 1).put("price", p.price()));
            }
        }
        if (!cart.isEmpty() && random.nextDouble() < (fading ? 0.35 : 0.1)) {
            Product removed = cart.remove(random.nextInt(cart.size()));
            s.add("remove_from_cart", obj().put("product_id", removed.id()).put("quantity", 1));
        }
        if (!cart.isEmpty() && random.nextDouble() < (fading ? 0.35 : 0.55)) {
            if (!s.known) {
                s.add("login", obj().put("method", METHODS[random.nextInt(METHODS.length)]).put("success", true));
                s.known = true;
            }
            double value = Math.round(cart.stream().mapToDouble(Product::price).sum() * 100) / 100.0;
            s.add("page_view", page("checkout", "/checkout"));
            s.add("checkout", obj().put("cart_id", "c-" + Long.toHexString(random.nextLong())).put("items", cart.size())
                    .put("value", value).put("currency", "EUR"));
            if (random.nextDouble() < (fading ? 0.5 : 0.72)) {
                ArrayNode items = NODES.arrayNode();
                cart.forEach(p -> items.add(obj().put("product_id", p.id()).put("quantity", 1).put("price", p.price())));
                s.add("purchase", obj().put("order_id", "o-" + Long.toHexString(random.nextLong())).put("value", value)
                        .put("currency", "EUR").put("payment_method", PAYMENTS[random.nextInt(PAYMENTS.length)])
                        .set("items", items));
            }
        }
        if (s.known && random.nextDouble() < 0.1) {
            s.add("logout", obj());
            u.remembered = false;
        }
    }

    private final class Visit {
        final User user;
        final List<ObjectNode> out;
        Instant clock;
        boolean known;

        Visit(User user, Instant start, List<ObjectNode> out) {
            this.user = user;
            this.clock = start;
            this.out = out;
        }

        void add(String name, ObjectNode data) {
            ObjectNode e = obj();
            e.put("event_id", new UUID(random.nextLong(), random.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)
                    .toString());
            e.put("schema", WebShopSimulator.VENDOR + "/" + name + "/" + WebShopSimulator.VERSION);
            e.put("event_time", clock.toString());
            e.put("source", source);
            if (known || name.equals("login")) {
                e.put("user_id", user.userId);
            }
            e.put("anonymous_id", user.anonymousId);
            e.set("data", data);
            out.add(e);
            clock = clock.plusSeconds(15 + random.nextInt(100));
        }
    }

    private Product pick() {
        // A few products sell much more than the rest.
        int n = products.size();
        int i = (int) Math.min(n - 1, Math.floor(Math.abs(random.nextGaussian()) * n / 3.0));
        return products.get(i);
    }

    private long secondOfDay() {
        double total = 0;
        for (double h : HOURLY) {
            total += h;
        }
        double r = random.nextDouble() * total;
        int hour = 0;
        while (hour < 23 && r >= HOURLY[hour]) {
            r -= HOURLY[hour];
            hour++;
        }
        return hour * 3600L + random.nextInt(3600);
    }

    private int poisson(double mean) {
        double l = Math.exp(-mean);
        double p = 1.0;
        int k = 0;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private static ObjectNode page(String type, String path) {
        return obj().put("url", "https://shop.example.com" + path).put("page_type", type)
                .put("title", type.substring(0, 1).toUpperCase() + type.substring(1) + " | Web Shop");
    }

    private static ObjectNode obj() {
        return NODES.objectNode();
    }
}
