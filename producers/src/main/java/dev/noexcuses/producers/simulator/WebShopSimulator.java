package dev.noexcuses.producers.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.producers.sdk.EndUser;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Generates the events of a web shop's visitors: sessions that browse, search, fill and empty a
 * cart, check out and buy, log in, sign up and log out. The same seed gives the same sequence of
 * events (ids, users, funnels); only timestamps follow the clock. A configurable share of events is
 * made invalid on purpose (at the top level or in {@code data}), and a share is sent twice with the
 * same {@code event_id}, so the dead-letter and deduplication paths always have work. Each visitor
 * comes from a public address in its country and browses with a real browser ({@link Visitors}),
 * which a server-side relay passes on with the events.
 */
public final class WebShopSimulator {
    public static final String VENDOR = "com.webshop";
    public static final String VERSION = "1-0-0";

    /** Why an event was generated, so a run can be reconciled with what the pipeline did. */
    public enum Kind { VALID, INVALID_TOP_LEVEL, INVALID_DATA, DUPLICATE }

    /** An event and the visitor whose browser it comes from (address and user agent, stable per visitor). */
    public record Generated(ObjectNode event, Kind kind, EndUser visitor) {}

    /** An event as queued: the visitor travels with it, so a resend comes from the same place. */
    private record Planned(ObjectNode event, EndUser visitor) {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] PAGE_TYPES = {"home", "category", "product", "cart", "checkout", "search", "account"};
    private static final String[] QUERIES = {"running shoes", "rain jacket", "earbuds", "coffee", "yoga mat",
            "sleeping bag", "merino", "lamp", "chocolate", "puzzle"};
    private static final String[] METHODS = {"password", "google", "apple"};
    private static final String[] PAYMENTS = {"card", "paypal", "invoice"};

    private final Random random;
    private final String source;
    private final int users;
    private final double invalidShare;
    private final double duplicateShare;
    private final List<Product> products = Product.catalogue();
    private final Visitors visitors;
    private final Deque<Planned> pending = new ArrayDeque<>();
    private final List<Planned> recent = new ArrayList<>();

    public WebShopSimulator(long seed, String source, int users, double invalidShare, double duplicateShare) {
        if (invalidShare < 0 || invalidShare > 1 || duplicateShare < 0 || duplicateShare > 1) {
            throw new IllegalArgumentException("Invalid shares: invalid=" + invalidShare + ", duplicate="
                    + duplicateShare + " (each must be 0..1)");
        }
        this.random = new Random(seed);
        this.visitors = new Visitors(seed);
        this.source = source;
        this.users = Math.max(1, users);
        this.invalidShare = invalidShare;
        this.duplicateShare = duplicateShare;
    }

    /** The next event to send. */
    public Generated next() {
        if (!recent.isEmpty() && random.nextDouble() < duplicateShare) {
            Planned original = recent.get(random.nextInt(recent.size()));
            return new Generated(original.event().deepCopy(), Kind.DUPLICATE, original.visitor());
        }
        if (pending.isEmpty()) {
            planSession();
        }
        Planned planned = pending.poll();
        ObjectNode event = planned.event();
        event.put("event_time", Instant.now().toString());
        if (random.nextDouble() < invalidShare) {
            boolean topLevel = random.nextBoolean();
            if (topLevel) {
                breakTopLevel(event);
                return new Generated(event, Kind.INVALID_TOP_LEVEL, planned.visitor());
            }
            breakData(event);
            return new Generated(event, Kind.INVALID_DATA, planned.visitor());
        }
        remember(planned);
        return new Generated(event, Kind.VALID, planned.visitor());
    }

    private void remember(Planned event) {
        if (recent.size() >= 1000) {
            recent.set(random.nextInt(recent.size()), event);
        } else {
            recent.add(event);
        }
    }

    /** One visit: a funnel whose depth falls off as in a real shop. */
    private void planSession() {
        int user = random.nextInt(users);
        boolean known = random.nextDouble() < 0.6;
        String userId = known ? "u-" + user : null;
        String anonymousId = "a-" + new UUID(random.nextLong(), random.nextLong()).toString().substring(0, 13);
        // A known user is the same person each visit; an anonymous visitor is known by the device's id.
        Session s = new Session(userId, anonymousId, visitors.visitor(known ? userId : anonymousId));
        if (!known && random.nextDouble() < 0.05) {
            s.add("signup", obj().put("method", pick(METHODS)).put("email", "user" + user + "@example.com")
                    .put("marketing_opt_in", random.nextBoolean()));
        }
        if (known && random.nextDouble() < 0.3) {
            s.add("login", obj().put("method", pick(METHODS)).put("success", random.nextDouble() < 0.95));
        }
        s.add("page_view", page("home", "/"));
        if (random.nextDouble() < 0.4) {
            String q = pick(QUERIES);
            s.add("search", obj().put("query", q).put("results", random.nextInt(40)));
            s.add("page_view", page("search", "/search?q=" + q.replace(' ', '+')));
        }
        List<Product> cart = new ArrayList<>();
        int views = 1 + random.nextInt(5);
        for (int i = 0; i < views; i++) {
            Product p = products.get(random.nextInt(products.size()));
            s.add("page_view", page("product", "/p/" + p.id()));
            s.add("product_view", obj().put("product_id", p.id()).put("url", "/p/" + p.id()));
            if (random.nextDouble() < 0.35) {
                cart.add(p);
                s.add("add_to_cart", obj().put("product_id", p.id()).put("quantity", 1 + random.nextInt(3))
                        .put("price", p.price()));
            }
        }
        if (!cart.isEmpty() && random.nextDouble() < 0.15) {
            Product removed = cart.remove(random.nextInt(cart.size()));
            s.add("remove_from_cart", obj().put("product_id", removed.id()).put("quantity", 1));
        }
        if (!cart.isEmpty() && random.nextDouble() < 0.6) {
            double value = cart.stream().mapToDouble(Product::price).sum();
            String cartId = "c-" + Long.toHexString(random.nextLong());
            s.add("page_view", page("checkout", "/checkout"));
            s.add("checkout", obj().put("cart_id", cartId).put("items", cart.size()).put("value", round(value))
                    .put("currency", "EUR"));
            if (random.nextDouble() < 0.7) {
                ArrayNode items = NODES.arrayNode();
                cart.forEach(p -> items.add(obj().put("product_id", p.id()).put("quantity", 1).put("price", p.price())));
                s.add("purchase", obj().put("order_id", "o-" + Long.toHexString(random.nextLong()))
                        .put("value", round(value)).put("currency", "EUR").put("payment_method", pick(PAYMENTS))
                        .set("items", items));
            }
        }
        if (known && random.nextDouble() < 0.2) {
            s.add("logout", obj());
        }
    }

    private final class Session {
        private final String userId;
        private final String anonymousId;
        private final EndUser visitor;

        Session(String userId, String anonymousId, EndUser visitor) {
            this.userId = userId;
            this.anonymousId = anonymousId;
            this.visitor = visitor;
        }

        void add(String name, ObjectNode data) {
            ObjectNode e = obj();
            e.put("event_id", new UUID(random.nextLong(), random.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)
                    .toString());
            e.put("schema", VENDOR + "/" + name + "/" + VERSION);
            e.put("source", source);
            if (userId != null) {
                e.put("user_id", userId);
            }
            e.put("anonymous_id", anonymousId);
            e.set("data", data);
            pending.add(new Planned(e, visitor));
        }
    }

    private ObjectNode page(String type, String url) {
        return obj().put("url", "https://shop.example.com" + url).put("page_type", type)
                .put("title", type.substring(0, 1).toUpperCase() + type.substring(1) + " | Web Shop");
    }

    private void breakTopLevel(ObjectNode event) {
        switch (random.nextInt(4)) {
            case 0 -> event.put("event_id", "not-a-uuid");
            case 1 -> event.put("schema", "page_view");
            case 2 -> event.put("event_time", "yesterday");
            default -> event.put("data", "not an object");
        }
    }

    /** Valid at the top level, so the collector accepts it; the enricher must send it to its DLQ. */
    private void breakData(ObjectNode event) {
        ObjectNode data = (ObjectNode) event.get("data");
        String schema = event.get("schema").asText();
        int way = random.nextInt(5);
        if (way == 0) {
            event.put("schema", schema.replace("/" + VERSION, "/9-9-9"));
        } else if (way == 1) {
            event.put("schema", VENDOR + "/unknown_event/" + VERSION);
        } else if (schema.contains("/page_view/")) {
            data.put("page_type", "not-a-page-type");
        } else if (schema.contains("/add_to_cart/") || schema.contains("/remove_from_cart/")) {
            data.put("quantity", "two");
        } else if (schema.contains("/search/")) {
            data.remove("query");
        } else if (schema.contains("/product_view/")) {
            data.remove("product_id");
        } else if (schema.contains("/login/") || schema.contains("/signup/")) {
            data.put("method", "carrier-pigeon");
        } else if (schema.contains("/checkout/") || schema.contains("/purchase/")) {
            data.put("currency", "DOUBLOONS");
        } else {
            event.put("schema", VENDOR + "/unknown_event/" + VERSION);
        }
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static ObjectNode obj() {
        return NODES.objectNode();
    }
}
