package dev.noexcuses.features.definition;

import java.time.Duration;
import java.util.List;

/**
 * The feature views of the web shop's visitors, built every day after the lakehouse model: activity from
 * {@code curated.sessions}, cart behaviour from {@code curated.events}. A value is fresh for 30 hours (until the
 * next day's build is due) and is used up to 3 days after its feature time.
 */
public final class ShippedFeatures {
    private ShippedFeatures() {}

    public static List<FeatureView> all() {
        return List.of(userActivity(), userCart());
    }

    public static FeatureView userActivity() {
        return FeatureView.named("user_activity")
                .description("How much and how recently a visitor came and bought, from their sessions")
                .owner("growth-analytics")
                .entity(Entity.USER)
                .source("curated.sessions")
                .ttl(Duration.ofDays(3))
                .staleAfter(Duration.ofHours(30))
                .windows(1, 7, 30)
                .windowed("sessions", "Sessions", Aggregation.count())
                .windowed("page_views", "Pages viewed", Aggregation.sum("page_views"))
                .windowed("purchases", "Orders placed", Aggregation.sum("orders"))
                .windowed("revenue", "Revenue of the orders", Aggregation.sum("revenue"))
                .daysSinceActivity("days_since_last_visit", "Days since the last day with a session")
                .build();
    }

    public static FeatureView userCart() {
        return FeatureView.named("user_cart")
                .description("What a visitor put in the cart and how often they left without buying, from their events")
                .owner("growth-analytics")
                .entity(Entity.USER)
                .source("curated.events")
                .ttl(Duration.ofDays(3))
                .staleAfter(Duration.ofHours(30))
                .windows(1, 7, 30)
                .windowed("cart_adds", "Products added to the cart", Aggregation.count().where("event_type", "add_to_cart"))
                .windowed("cart_sessions", "Sessions with a cart add",
                        Aggregation.countDistinct("session_id").where("event_type", "add_to_cart"))
                .windowed("purchase_sessions", "Sessions with a purchase",
                        Aggregation.countDistinct("session_id").where("event_type", "purchase"))
                .rate("cart_abandonment_rate", "Share of the sessions with a cart add that had no purchase",
                        "purchase_sessions", "cart_sessions", true)
                .build();
    }
}
